-- id: full_score_target_missed
-- severity: warning
-- meaning: An indicator whose actual misses its target does not score its full weight (an inflated self-score).
SELECT report_id,
       json_object('key', 'full_score_target_missed', 'name', name, 'target', target, 'actual', actual, 'score', score) AS message,
       format('< {}', weight::VARCHAR) AS expected,
       score::VARCHAR AS actual
FROM indicators
WHERE met = FALSE AND score IS NOT NULL AND weight IS NOT NULL AND weight > 0 AND score >= weight
