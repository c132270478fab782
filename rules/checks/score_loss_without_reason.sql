-- id: score_loss_without_reason
-- severity: warning
-- meaning: An indicator that scores below its weight says why (偏差原因分析); points taken off without a reason cannot be reviewed.
SELECT report_id,
       json_object('key', 'score_loss_without_reason', 'name', name, 'score', score, 'weight', weight) AS message,
       'reason' AS expected,
       NULL AS actual
FROM indicators
WHERE score IS NOT NULL AND weight IS NOT NULL AND score < weight AND nullif(trim(coalesce(note, '')), '') IS NULL
