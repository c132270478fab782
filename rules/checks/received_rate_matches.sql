-- id: received_rate_matches
-- severity: error
-- meaning: The stated 到位率 equals received ÷ arranged (adjusted budget where stated, else the year's arranged amount), within the document's rounding.
SELECT report_id,
       json_object('key', 'received_rate_matches', 'place', source_label, 'rate', received_rate_pct, 'received', received_yuan,
                   'base', coalesce(budget_adjusted_yuan, budget_initial_yuan),
                   'computed', round(100 * received_yuan::DECIMAL(38, 2) / coalesce(budget_adjusted_yuan, budget_initial_yuan), 2)) AS message,
       round(100 * received_yuan::DECIMAL(38, 2) / coalesce(budget_adjusted_yuan, budget_initial_yuan), 2)::VARCHAR AS expected,
       received_rate_pct::VARCHAR AS actual
FROM funding
WHERE received_rate_pct IS NOT NULL AND received_yuan IS NOT NULL
  AND coalesce(budget_adjusted_yuan, budget_initial_yuan) IS NOT NULL
  AND coalesce(budget_adjusted_yuan, budget_initial_yuan) <> 0
  AND abs(100 * received_yuan::DECIMAL(38, 2) / coalesce(budget_adjusted_yuan, budget_initial_yuan) - received_rate_pct) > jx_unit(received_rate_pct)
