-- Weighted response distributions per (question, subpopulation), in SubPOP's row schema.
--
-- Run by survey/aggregate.ts, which prepares the inputs:
--   variables  answers_files, respondents_files, profiles_files   Parquet tables of the ingested waves
--              min_n                                              fewest respondents a row may rest on
--   run_groups(group_pos, attribute, "group")        the group set, in output order
--   group_rules(wave, group_pos, variable, code)     a respondent whose profile `variable` has `code` in `wave`
--                                                    is a member (only groups formed in that wave appear)
--   run_questions(qid, wave, qkey, question, options, ordinal, k)
--                                                    the questions kept, qid in output order (wave, qkey);
--                                                    k answer options; `options` ends with "Refused"
--   option_codes(qid, wave, qkey, code, position)    answer code → option 1..k, or 0 for the refusal; answers
--                                                    with other codes are not counted
-- Results: pair_status (every question × formed group, with why a pair yields no row), rows_out (ordered by
-- qid, group_pos) and uncounted.

-- Members of each group with a usable weight. A missing (NULL, or not finite) weight counts as 0, and a
-- respondent of weight 0 contributes nothing, so both are left out (also from n_respondents). Weights become DECIMAL (12
-- decimals; survey/aggregate.ts checks they are below 10^6) so that sums are exact: the result then does not
-- depend on the order in which parallel threads add them.
CREATE OR REPLACE TEMP TABLE weighted_members AS
SELECT DISTINCT p.wave, p.respondent, r.group_pos, w.weight::DECIMAL(18, 12) AS weight
FROM read_parquet(getvariable('profiles_files')) AS p
JOIN group_rules AS r ON r.wave = p.wave AND r.variable = p.variable AND r.code = p.code
JOIN read_parquet(getvariable('respondents_files')) AS w ON w.wave = p.wave AND w.respondent = p.respondent
WHERE w.weight > 0 AND isfinite(w.weight);

-- Weighted count of every (question, group, option) among valid answers: missing answers are absent from
-- the answers table, and codes that are no option (nor the refusal) are dropped by the join.
CREATE OR REPLACE TEMP TABLE cells AS
SELECT o.qid, m.group_pos, o.position, count(*) AS n, sum(m.weight) AS weight
FROM read_parquet(getvariable('answers_files')) AS a
JOIN option_codes AS o ON o.wave = a.wave AND o.qkey = a.qkey AND o.code = a.code
JOIN weighted_members AS m ON m.wave = a.wave AND m.respondent = a.respondent
GROUP BY ALL;

-- Every question × group formed in its wave, with totals; refusals count towards n_respondents and
-- weight_sum (the refusal rate is a share of all valid answers).
CREATE OR REPLACE TEMP TABLE pair_status AS
WITH formed AS (SELECT DISTINCT wave, group_pos FROM group_rules),
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
SELECT *,
       CASE WHEN n_respondents < getvariable('min_n') THEN 'below_min_n'
            WHEN weight_sum = refused_weight THEN 'all_refused'
            ELSE 'kept' END AS status
FROM pairs;

-- One row per kept pair. `responses` are the option shares without the refusal (renormalised); options
-- nobody chose get 0.
CREATE OR REPLACE TEMP TABLE rows_out AS
WITH chosen AS (
  SELECT qid, group_pos, map_from_entries(list((position, weight))) AS weight_of
  FROM cells
  WHERE position > 0
  GROUP BY qid, group_pos
)
SELECT q.qkey, q.wave, g.attribute, g."group", q.question, q.options, q.ordinal,
       list_transform(range(1, q.k + 1),
                      i -> coalesce(c.weight_of[i::INTEGER], 0)::DOUBLE / (p.weight_sum - p.refused_weight)::DOUBLE) AS responses,
       p.refused_weight::DOUBLE / p.weight_sum::DOUBLE AS refusal_rate,
       p.n_respondents,
       p.weight_sum::DOUBLE AS weight_sum,
       q.qid, g.group_pos
FROM pair_status AS p
JOIN chosen AS c ON c.qid = p.qid AND c.group_pos = p.group_pos
JOIN run_questions AS q ON q.qid = p.qid
JOIN run_groups AS g ON g.group_pos = p.group_pos
WHERE p.status = 'kept';

-- Answers to kept questions that no option takes (unlabelled codes, labels a curated option list leaves out).
-- Counted per distinct code first: that table is small.
CREATE OR REPLACE TEMP TABLE uncounted AS
SELECT c.wave, sum(c.n)::BIGINT AS answers
FROM (SELECT wave, qkey, code, count(*) AS n FROM read_parquet(getvariable('answers_files')) GROUP BY ALL) AS c
SEMI JOIN run_questions AS q ON q.wave = c.wave AND q.qkey = c.qkey
ANTI JOIN option_codes AS o ON o.wave = c.wave AND o.qkey = c.qkey AND o.code = c.code
GROUP BY c.wave;
