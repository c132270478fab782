-- id: weights_sum
-- severity: error
-- meaning: The indicator weights plus the execution block's points add up to the points available (score_max).
WITH leaf AS (SELECT report_id, sum(weight) AS weights FROM indicators WHERE weight IS NOT NULL GROUP BY report_id)
SELECT r.report_id,
       json_object('key', 'weights_sum', 'sum', leaf.weights + coalesce(r.execution_score_max, 0), 'max', r.score_max),
       r.score_max::VARCHAR,
       (leaf.weights + coalesce(r.execution_score_max, 0))::VARCHAR
FROM reports r JOIN leaf USING (report_id)
WHERE r.score_max IS NOT NULL AND abs(leaf.weights + coalesce(r.execution_score_max, 0) - r.score_max) > 0.01
