-- id: dates_in_year
-- severity: warning
-- meaning: 到位时间 and 下达时间 fall in the fiscal year.
SELECT f.report_id, json_object('key', 'dates_in_year.received', 'place', f.source_label, 'date', f.received_date, 'year', r.fiscal_year),
       r.fiscal_year::VARCHAR, f.received_date::VARCHAR
FROM funding f JOIN reports r USING (report_id)
WHERE f.received_date IS NOT NULL AND r.fiscal_year IS NOT NULL AND year(f.received_date) <> r.fiscal_year
UNION ALL
SELECT a.report_id, json_object('key', 'dates_in_year.issued', 'date', a.issued_date, 'doc_number', coalesce(a.doc_number, ''), 'year', r.fiscal_year),
       r.fiscal_year::VARCHAR, a.issued_date::VARCHAR
FROM allocations a JOIN reports r USING (report_id)
WHERE a.issued_date IS NOT NULL AND r.fiscal_year IS NOT NULL AND year(a.issued_date) <> r.fiscal_year
