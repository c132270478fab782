-- id: total_score_matches
-- severity: error
-- meaning: The total score (总分) equals the indicator scores plus the execution score.
WITH leaf AS (SELECT report_id, sum(score) AS scores FROM indicators WHERE score IS NOT NULL GROUP BY report_id)
SELECT r.report_id,
       format('总分 is {} but the indicator scores add up to {}{}', r.score_total, leaf.scores,
              CASE WHEN r.execution_score IS NULL THEN '' ELSE format(' plus the execution score {}', r.execution_score) END),
       (leaf.scores + coalesce(r.execution_score, 0))::VARCHAR,
       r.score_total::VARCHAR
FROM reports r JOIN leaf USING (report_id)
WHERE r.score_total IS NOT NULL AND abs(leaf.scores + coalesce(r.execution_score, 0) - r.score_total) > 0.01
