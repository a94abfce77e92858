-- Weighted response distributions per (question, subpopulation), in SubPOP's row schema.
--
-- Run by survey/aggregate.ts, which prepares the inputs:
--   variables  answers_files, respondents_files, profiles_files, questions_files
--                                                    Parquet tables of the ingested waves
--              min_n                                 fewest respondents a row may rest on
--              population_pos                        group_pos of the whole population (past the set's groups)
--   run_groups(group_pos, attribute, "group")        the group set, in output order
--   group_rules(wave, group_pos, variable, code)     a respondent whose profile `variable` has `code` in `wave`
--                                                    is a member (only groups formed in that wave appear)
--   run_questions(qid, wave, qkey, question, options, ordinal, k)
--                                                    the questions kept, qid in output order (wave, qkey);
--                                                    k answer options; `options` ends with "Refused"
--   option_codes(qid, wave, qkey, code, position)    answer code → option 1..k, or 0 for the refusal; answers
--                                                    with other codes are not counted
--   missing_codes(wave, qkey, code)                  codes of the kept questions that the family's rules make
--                                                    missing-data codes (not counted, and reported apart)
-- Results: repeated_keys (must be empty), pair_status (every question × formed group, with why a pair yields
-- no row), kept_pairs and kept_options (what the rows are made of), population_pairs and population_options
-- (the same for all respondents, per question) and the view uncounted.
--
-- The answers table is by far the largest (one row per respondent and question), so it is read twice only, and
-- joined on 64-bit hashes of (wave, respondent) and (wave, qkey) rather than on the strings, on which the main
-- pass takes half as long again. The hashes stand for the strings exactly because every respondent and
-- question of an answer is in its wave's respondents and questions tables (the ingest writes all three from
-- the same cases), and no two of those share a hash (repeated_keys).

CREATE OR REPLACE TEMP TABLE respondent_keys AS
SELECT filename AS file, wave, respondent, hash(wave, respondent) AS rkey, weight
FROM read_parquet(getvariable('respondents_files'), filename = true);

-- Keys whose hash repeats: a respondent or question listed twice, or (never seen) two that collide. Keys are
-- listed only where a hash repeats: a list per hash would cost seconds.
CREATE OR REPLACE TEMP TABLE repeated_keys AS
WITH question_keys AS (
  SELECT filename AS file, qkey, hash(wave, qkey) AS qkey_hash
  FROM read_parquet(getvariable('questions_files'), filename = true)
)
SELECT 'respondent' AS kind, rkey AS hash, file, respondent AS key
FROM respondent_keys WHERE rkey IN (SELECT rkey FROM respondent_keys GROUP BY rkey HAVING count(*) > 1)
UNION ALL
SELECT 'question', qkey_hash, file, qkey
FROM question_keys WHERE qkey_hash IN (SELECT qkey_hash FROM question_keys GROUP BY qkey_hash HAVING count(*) > 1);

-- Group memberships of the respondents with a usable weight, one row per (respondent, group). A missing (NULL,
-- or not finite) weight counts as 0, and a respondent of weight 0 contributes nothing, so both are left out
-- (also from n_respondents). Weights become DECIMAL (12 decimals; survey/aggregate.ts checks they are below
-- 10^6) so that sums are exact: the result then does not depend on the order in which parallel threads add them.
-- A respondent has one code per profile variable, so only a group whose rules name several variables can match
-- twice; only those matches are made distinct (the whole table takes half as long again).
CREATE OR REPLACE TEMP TABLE members AS
WITH rules AS (
  SELECT *, count(DISTINCT variable) OVER (PARTITION BY wave, group_pos) > 1 AS several FROM group_rules
),
matches AS MATERIALIZED (
  SELECT k.rkey, r.group_pos, r.several, k.weight::DECIMAL(18, 12) AS weight
  FROM read_parquet(getvariable('profiles_files')) AS p
  JOIN rules AS r ON r.wave = p.wave AND r.variable = p.variable AND r.code = p.code
  JOIN respondent_keys AS k ON k.rkey = hash(p.wave, p.respondent)
  WHERE k.weight > 0 AND isfinite(k.weight)
)
SELECT rkey, group_pos, weight FROM matches WHERE NOT several
UNION ALL
SELECT DISTINCT rkey, group_pos, weight FROM matches WHERE several
UNION ALL
-- Everyone with a usable weight belongs to the whole population, whose distribution per question is the
-- population marginal: counted in the same pass as the groups, at one more member row per respondent.
SELECT rkey, getvariable('population_pos'), weight::DECIMAL(18, 12) FROM respondent_keys WHERE weight > 0 AND isfinite(weight);

-- The counted (question, option) pairs numbered densely: `slot` and group_pos then span small ranges, which
-- lets DuckDB aggregate into a directly indexed table (perfect hash aggregate) instead of hashing 80M keys.
CREATE OR REPLACE TEMP TABLE option_slots AS
SELECT hash(wave, qkey) AS qkey_hash, code, (dense_rank() OVER (ORDER BY qid, position) - 1)::INTEGER AS slot, qid, position
FROM option_codes;

-- Weighted count of every (question, option, group) among valid answers: missing answers are absent from the
-- answers table, and codes that are no option (nor the refusal) are dropped by the join. Each answer then meets
-- one `members` row per group of its respondent (80M rows at ATP scale). The joins run in the order written: the
-- planner cannot estimate joins on computed keys and would expand by group first, leaving the option join
-- 80M rows to probe instead of 22M. The perfect hash table, one per thread, is indexed by the bits of both key
-- ranges (2^20 entries for 23,850 options and 22 groups plus the population, 2^21 for 61 groups; about 36 bytes an entry); beyond
-- 2^22 entries (150 MB a thread) DuckDB falls back to hashing, which took 2 s more CPU for 61 groups.
-- Measured and dropped (22 groups, 22M answers): one row per answer with a FILTERed sum and count per group
-- took 14-20 s of CPU, against 2.3 s here; grouping by (question, option, respondent's set of groups) first
-- merges 22M answers into 16.5M groups only, and costs 3 s more.
SET disabled_optimizers = 'join_order';
SET perfect_ht_threshold = 22;
CREATE OR REPLACE TEMP TABLE slot_cells AS
SELECT o.slot, m.group_pos, count(*) AS n, sum(m.weight) AS weight
FROM read_parquet(getvariable('answers_files')) AS a
JOIN option_slots AS o ON o.qkey_hash = hash(a.wave, a.qkey) AND o.code = a.code
JOIN members AS m ON m.rkey = hash(a.wave, a.respondent)
GROUP BY ALL;
RESET perfect_ht_threshold;
RESET disabled_optimizers;

CREATE OR REPLACE TEMP TABLE cells AS
SELECT s.qid, c.group_pos, s.position, c.n, c.weight
FROM slot_cells AS c
JOIN (SELECT DISTINCT slot, qid, position FROM option_slots) AS s ON s.slot = c.slot;

-- Every question × group formed in its wave (and × the whole population), with totals; refusals count towards
-- n_respondents and weight_sum (the refusal rate is a share of all valid answers). A question whose variable
-- defines the group (GSS `marital` for the married) would only restate membership: such pairs yield no row.
CREATE OR REPLACE TEMP TABLE pair_status AS
WITH formed AS (
  SELECT DISTINCT wave, group_pos FROM group_rules
  UNION ALL
  SELECT DISTINCT wave, getvariable('population_pos') FROM run_questions
),
defining AS (SELECT DISTINCT wave, group_pos, lower(variable) AS variable FROM group_rules),
pairs AS (
  SELECT q.qid, q.wave, f.group_pos,
         coalesce(sum(c.n), 0)::INTEGER AS n_respondents,
         coalesce(sum(c.weight), 0) AS weight_sum,
         coalesce(sum(c.weight) FILTER (WHERE c.position = 0), 0) AS refused_weight
  FROM run_questions AS q
  JOIN formed AS f ON f.wave = q.wave
  LEFT JOIN cells AS c ON c.qid = q.qid AND c.group_pos = f.group_pos
  GROUP BY ALL
)
SELECT p.*,
       CASE WHEN d.variable IS NOT NULL THEN 'defines_group'
            WHEN n_respondents < getvariable('min_n') THEN 'below_min_n'
            WHEN weight_sum = refused_weight THEN 'all_refused'
            ELSE 'kept' END AS status
FROM pairs AS p
JOIN run_questions AS q USING (qid)
LEFT JOIN defining AS d ON d.wave = p.wave AND d.group_pos = p.group_pos AND d.variable = lower(q.qkey);

-- What the rows are made of (survey/aggregate.ts divides): per kept pair its totals, and the weight of every
-- answer option someone chose (options nobody chose are absent and get 0). Sums are converted to DOUBLE only
-- here, after exact addition; the refusal rate is refused / weight_sum, a response share weight / answered.
CREATE OR REPLACE TEMP TABLE kept_pairs AS
SELECT qid, group_pos, n_respondents, weight_sum::DOUBLE AS weight_sum, refused_weight::DOUBLE AS refused_weight,
       (weight_sum - refused_weight)::DOUBLE AS answered_weight
FROM pair_status WHERE status = 'kept';

CREATE OR REPLACE TEMP TABLE kept_options AS
SELECT c.qid, c.group_pos, c.position, c.weight::DOUBLE AS weight
FROM cells AS c
SEMI JOIN kept_pairs AS p ON p.qid = c.qid AND p.group_pos = c.group_pos
WHERE c.position > 0;

CREATE OR REPLACE TEMP TABLE population_pairs AS
SELECT * FROM kept_pairs WHERE group_pos = getvariable('population_pos');
CREATE OR REPLACE TEMP TABLE population_options AS
SELECT * FROM kept_options WHERE group_pos = getvariable('population_pos');
DELETE FROM kept_pairs WHERE group_pos = getvariable('population_pos');
DELETE FROM kept_options WHERE group_pos = getvariable('population_pos');

-- Answers to kept questions that no option takes, from every respondent: those with the family's missing-data
-- codes, and the others (unlabelled codes, labels a curated option list leaves out). Counted per distinct code
-- first: that table is small. A view: survey/aggregate.ts reads it while it checks and writes the rows, so that
-- this second pass over the answers runs alongside that work.
CREATE OR REPLACE TEMP VIEW uncounted AS
SELECT q.wave,
       coalesce(sum(c.n) FILTER (WHERE m.code IS NULL), 0)::BIGINT AS answers,
       coalesce(sum(c.n) FILTER (WHERE m.code IS NOT NULL), 0)::BIGINT AS missing_code_answers
FROM (SELECT hash(wave, qkey) AS qkey_hash, code, count(*) AS n FROM read_parquet(getvariable('answers_files')) GROUP BY ALL) AS c
JOIN (SELECT DISTINCT wave, hash(wave, qkey) AS qkey_hash FROM run_questions) AS q ON q.qkey_hash = c.qkey_hash
LEFT JOIN (SELECT DISTINCT hash(wave, qkey) AS qkey_hash, code FROM missing_codes) AS m ON m.qkey_hash = c.qkey_hash AND m.code = c.code
ANTI JOIN option_slots AS o ON o.qkey_hash = c.qkey_hash AND o.code = c.code
GROUP BY q.wave;
