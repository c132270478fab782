-- id: total_matches_sources
-- severity: error
-- meaning: A total row (合计, 年度资金总额, 总额) equals the sum of its source rows, column by column (each breakdown of a department form on its own).
WITH cells AS (
    UNPIVOT (SELECT report_id, source, source_label, breakdown, carryover_yuan, budget_initial_yuan, budget_adjusted_yuan,
                    received_yuan, spent_yuan, balance_yuan FROM funding)
    ON carryover_yuan, budget_initial_yuan, budget_adjusted_yuan, received_yuan, spent_yuan, balance_yuan
    INTO NAME col VALUE amount
)
SELECT t.report_id,
       json_object('key', 'total_matches_sources', 'place', t.source_label, 'column', t.col, 'total', t.amount, 'n', count(*),
                   'sum', sum(s.amount)) AS message,
       sum(s.amount)::VARCHAR AS expected,
       t.amount::VARCHAR AS actual
FROM cells t
JOIN cells s ON s.report_id = t.report_id AND s.col = t.col AND coalesce(s.source, '') <> 'total'
WHERE t.source = 'total'
GROUP BY t.report_id, t.source_label, t.col, t.amount, s.breakdown
HAVING abs(sum(s.amount) - t.amount) > 1
