-- id: expense_items_sum
-- severity: error
-- meaning: Expense items listed in the narrative (办公费用…, 印刷费…) add up to the amount spent.
WITH items AS (
    SELECT report_id, sum(value) AS total, count(*) AS n FROM facts WHERE key LIKE 'expense:%' GROUP BY report_id
),
spent AS (
    SELECT r.report_id, coalesce(r.spent_yuan, (SELECT min(value) FROM facts f WHERE f.report_id = r.report_id AND f.key = 'spent')) AS spent
    FROM reports r
)
SELECT report_id, json_object('key', 'expense_items_sum', 'n', n, 'total', total, 'spent', spent),
       spent::VARCHAR, total::VARCHAR
FROM items JOIN spent USING (report_id)
WHERE spent IS NOT NULL AND abs(total - spent) > 1
