-- Weighted response distributions per (question, subpopulation), in SubPOP's row schema.
--
-- Run by survey/aggregate.ts, which prepares the inputs:
--   variables  answers_files, respondents_files, profiles_files   Parquet tables of the ingested waves
--              min_n                                              fewest respondents a row may rest on
--   run_waves(wave, wave_pos)                        the waves, in output order
--   run_groups(group_pos, attribute, "group")        the group set, in output order
--   group_rules(wave, group_pos, variable, code)     a respondent whose profile `variable` has `code` in `wave`
--                                                    is a member (only groups formed in that wave appear)
--   run_questions(wave, qkey, question, options, ordinal, k)
--                                                    the questions kept, with k answer options; `options`
--                                                    ends with "Refused"
--   option_codes(wave, qkey, code, position)         answer code → option 1..k, or 0 for the refusal; answers
--                                                    with other codes are not counted
-- Results: pair_status (every question × formed group, with why a pair yields no row), rows_out (ordered by
-- wave_pos, qkey, group_pos) and uncounted.

-- Members of each group with a usable weight. A missing (NULL) weight counts as 0, and a respondent of
-- weight 0 contributes nothing, so both are left out (also from n_respondents). Weights become DECIMAL so that
-- sums are exact: the result then does not depend on the order in which parallel threads add them.
CREATE OR REPLACE TEMP TABLE weighted_members AS
SELECT DISTINCT p.wave, p.respondent, r.group_pos, w.weight::DECIMAL(38, 18) AS weight
FROM read_parquet(getvariable('profiles_files')) AS p
JOIN group_rules AS r ON r.wave = p.wave AND r.variable = p.variable AND r.code = p.code
JOIN read_parquet(getvariable('respondents_files')) AS w ON w.wave = p.wave AND w.respondent = p.respondent
WHERE w.weight > 0;

-- Weighted count of every (question, group, option) among valid answers: missing answers are absent from
-- the answers table, and codes that are no option (nor the refusal) are dropped by the join.
CREATE OR REPLACE TEMP TABLE cells AS
SELECT a.wave, a.qkey, m.group_pos, o.position, count(*) AS n, sum(m.weight) AS weight
FROM read_parquet(getvariable('answers_files')) AS a
JOIN option_codes AS o ON o.wave = a.wave AND o.qkey = a.qkey AND o.code = a.code
JOIN weighted_members AS m ON m.wave = a.wave AND m.respondent = a.respondent
GROUP BY ALL;

-- Every question × group formed in its wave, with totals; refusals count towards n_respondents and
-- weight_sum (the refusal rate is a share of all valid answers).
CREATE OR REPLACE TEMP TABLE pair_status AS
WITH formed AS (SELECT DISTINCT wave, group_pos FROM group_rules),
pairs AS (
  SELECT q.wave, q.qkey, f.group_pos,
         coalesce(sum(c.n), 0)::INTEGER AS n_respondents,
         coalesce(sum(c.weight), 0) AS weight_sum,
         coalesce(sum(c.weight) FILTER (WHERE c.position = 0), 0) AS refused_weight
  FROM run_questions AS q
  JOIN formed AS f ON f.wave = q.wave
  LEFT JOIN cells AS c ON c.wave = q.wave AND c.qkey = q.qkey AND c.group_pos = f.group_pos
  GROUP BY ALL
)
SELECT *,
       CASE WHEN n_respondents < getvariable('min_n') THEN 'below_min_n'
            WHEN weight_sum = refused_weight THEN 'all_refused'
            ELSE 'kept' END AS status
FROM pairs;

-- One row per kept pair. `responses` are the option shares without the refusal (renormalised), options
-- nobody chose get 0.
CREATE OR REPLACE TEMP TABLE rows_out AS
WITH shares AS (
  SELECT p.wave, p.qkey, p.group_pos,
         list(coalesce(c.weight, 0)::DOUBLE / (p.weight_sum - p.refused_weight)::DOUBLE ORDER BY s.position) AS responses
  FROM pair_status AS p
  JOIN run_questions AS q ON q.wave = p.wave AND q.qkey = p.qkey
  CROSS JOIN LATERAL (SELECT unnest(range(1, q.k + 1)) AS position) AS s
  LEFT JOIN cells AS c
    ON c.wave = p.wave AND c.qkey = p.qkey AND c.group_pos = p.group_pos AND c.position = s.position
  WHERE p.status = 'kept'
  GROUP BY p.wave, p.qkey, p.group_pos
)
SELECT q.qkey, q.wave, g.attribute, g."group", q.question, q.options, q.ordinal, s.responses,
       p.refused_weight::DOUBLE / p.weight_sum::DOUBLE AS refusal_rate,
       p.n_respondents,
       p.weight_sum::DOUBLE AS weight_sum,
       w.wave_pos, g.group_pos
FROM shares AS s
JOIN pair_status AS p ON p.wave = s.wave AND p.qkey = s.qkey AND p.group_pos = s.group_pos
JOIN run_questions AS q ON q.wave = s.wave AND q.qkey = s.qkey
JOIN run_groups AS g ON g.group_pos = s.group_pos
JOIN run_waves AS w ON w.wave = s.wave
ORDER BY w.wave_pos, q.qkey, g.group_pos;

-- Answers to kept questions that no option takes (unlabelled codes, labels a curated option list leaves out).
CREATE OR REPLACE TEMP TABLE uncounted AS
SELECT a.wave, count(*) AS answers
FROM read_parquet(getvariable('answers_files')) AS a
SEMI JOIN run_questions AS q ON q.wave = a.wave AND q.qkey = a.qkey
ANTI JOIN option_codes AS o ON o.wave = a.wave AND o.qkey = a.qkey AND o.code = a.code
GROUP BY a.wave;
