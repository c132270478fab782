-- id: facts_agree
-- severity: error
-- meaning: Figures in the narrative (budget, spent, execution rate, balance) agree with the tables.
WITH pairs AS (
    SELECT f.report_id, f.key, f.value, f.sentence,
           CASE f.key
               WHEN 'spent' THEN r.spent_yuan
               WHEN 'execution_rate' THEN r.execution_rate_pct
           END AS table_value,
           -- a budget or balance may be stated against the initial or the adjusted budget (or what was received)
           CASE f.key
               WHEN 'budget_total' THEN [r.budget_initial_yuan, r.budget_adjusted_yuan]
               WHEN 'balance' THEN [r.received_yuan - r.spent_yuan, r.budget_adjusted_yuan - r.spent_yuan,
                                    r.budget_initial_yuan - r.spent_yuan]
           END AS candidates
    FROM facts f JOIN reports r USING (report_id)
    WHERE f.key IN ('budget_total', 'spent', 'execution_rate', 'balance')
),
checked AS (
    SELECT *, list_filter(candidates, lambda x: x IS NOT NULL) AS known
    FROM pairs
)
SELECT report_id,
       json_object('key', 'facts_agree.' || key, 'value', value, 'table', CASE WHEN table_value IS NOT NULL THEN [table_value] ELSE known END,
                   'sentence', sentence),
       coalesce(table_value::VARCHAR, array_to_string(known, ' / ')),
       value::VARCHAR
FROM checked
WHERE (table_value IS NOT NULL AND abs(table_value - value) > CASE WHEN key = 'execution_rate' THEN jx_unit(value) ELSE 50 END)
   OR (table_value IS NULL AND len(known) > 0 AND NOT list_bool_or(list_transform(known, lambda x: abs(x - value) <= 50)))
