-- id: subtotals_match
-- severity: error
-- meaning: A stated subtotal (一、投入 20 / （一）项目立项 12, or a 三级指标 over its numbered sub-items) equals the weights and scores of the rows beneath it.
WITH sums AS (
    SELECT g.report_id, coalesce(g.name, g.level2, g.level1) AS grp, g.weight, g.score,
           sum(i.weight) AS leaf_weight, sum(i.score) AS leaf_score
    FROM indicator_groups g
    JOIN indicators i ON i.report_id = g.report_id AND i.level1 = g.level1
                     AND (g.level = 1 OR i.level2 = g.level2)
                     AND (g.level < 3 OR i.parent = g.name)  -- level 3: a 三级指标 split into numbered sub-items
    GROUP BY ALL
)
SELECT report_id, json_object('key', 'subtotals_match.weight', 'group', grp, 'stated', weight, 'sum', leaf_weight),
       leaf_weight::VARCHAR, weight::VARCHAR
FROM sums WHERE weight IS NOT NULL AND leaf_weight IS NOT NULL AND abs(weight - leaf_weight) > 0.01
UNION ALL
SELECT report_id, json_object('key', 'subtotals_match.score', 'group', grp, 'stated', score, 'sum', leaf_score),
       leaf_score::VARCHAR, score::VARCHAR
FROM sums WHERE score IS NOT NULL AND leaf_score IS NOT NULL AND abs(score - leaf_score) > 0.01
