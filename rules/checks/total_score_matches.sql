-- id: total_score_matches
-- severity: error
-- meaning: The total score (总分) equals the indicator scores plus the execution score.
WITH leaf AS (SELECT report_id, sum(score) AS scores FROM indicators WHERE score IS NOT NULL GROUP BY report_id)
SELECT r.report_id,
       json_object('key', CASE WHEN r.execution_score IS NULL THEN 'total_score_matches' ELSE 'total_score_matches.with_execution' END,
                   'total', r.score_total, 'scores', leaf.scores, 'execution', r.execution_score),
       (leaf.scores + coalesce(r.execution_score, 0))::VARCHAR,
       r.score_total::VARCHAR
FROM reports r JOIN leaf USING (report_id)
WHERE r.score_total IS NOT NULL AND abs(leaf.scores + coalesce(r.execution_score, 0) - r.score_total) > 0.01
