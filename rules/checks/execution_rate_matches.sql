-- id: execution_rate_matches
-- severity: error
-- meaning: The stated 执行率/支出率 equals spent ÷ base (adjusted budget where stated, else received, else initial), within the document's rounding.
WITH stated AS (
    SELECT report_id, source_label AS place, execution_rate_pct AS rate, spent_yuan AS spent,
           coalesce(budget_adjusted_yuan, received_yuan, budget_initial_yuan) AS base
    FROM funding
    UNION ALL
    -- the report's own figures, where no money table row carries them
    SELECT r.report_id, '报告', r.execution_rate_pct, r.spent_yuan,
           coalesce(r.budget_adjusted_yuan, r.received_yuan, r.budget_initial_yuan)
    FROM reports r
    WHERE NOT EXISTS (SELECT 1 FROM funding f WHERE f.report_id = r.report_id)
)
SELECT report_id,
       json_object('key', 'execution_rate_matches', 'place', place, 'rate', rate, 'spent', spent, 'base', base,
                   'computed', round(100 * spent::DECIMAL(38, 2) / base, 2)) AS message,
       round(100 * spent::DECIMAL(38, 2) / base, 2)::VARCHAR AS expected,
       rate::VARCHAR AS actual
FROM stated
WHERE rate IS NOT NULL AND spent IS NOT NULL AND base IS NOT NULL AND base <> 0
  AND abs(100 * spent::DECIMAL(38, 2) / base - rate) > jx_unit(rate)
