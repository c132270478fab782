-- id: allocations_sum
-- severity: error
-- meaning: Issued allocations (资金指标明细) add up to the arranged budget.
WITH issued AS (SELECT report_id, sum(amount_yuan) AS total, count(*) AS n FROM allocations WHERE amount_yuan IS NOT NULL GROUP BY report_id)
SELECT r.report_id,
       json_object('key', 'allocations_sum', 'n', n, 'total', total, 'budget', coalesce(r.budget_adjusted_yuan, r.budget_initial_yuan)),
       coalesce(r.budget_adjusted_yuan, r.budget_initial_yuan)::VARCHAR,
       total::VARCHAR
FROM reports r JOIN issued USING (report_id)
WHERE coalesce(r.budget_adjusted_yuan, r.budget_initial_yuan) IS NOT NULL
  AND abs(total - coalesce(r.budget_adjusted_yuan, r.budget_initial_yuan)) > 1
