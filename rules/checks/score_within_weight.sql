-- id: score_within_weight
-- severity: error
-- meaning: No indicator, and not the execution score, scores above its weight.
SELECT report_id,
       json_object('key', 'score_within_weight.indicator', 'name', name, 'score', score, 'weight', weight) AS message,
       format('≤ {}', weight) AS expected,
       score::VARCHAR AS actual
FROM indicators
WHERE score IS NOT NULL AND weight IS NOT NULL AND score > weight
UNION ALL
SELECT report_id,
       json_object('key', 'score_within_weight.execution', 'score', execution_score, 'points', execution_score_max),
       format('≤ {}', execution_score_max),
       execution_score::VARCHAR
FROM reports
WHERE execution_score IS NOT NULL AND execution_score_max IS NOT NULL AND execution_score > execution_score_max
