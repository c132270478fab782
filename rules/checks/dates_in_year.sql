-- id: dates_in_year
-- severity: warning
-- meaning: 到位时间 and 下达时间 fall in the fiscal year.
SELECT f.report_id, format('{} 到位时间 {} is outside fiscal year {}', f.source_label, f.received_date, r.fiscal_year),
       r.fiscal_year::VARCHAR, f.received_date::VARCHAR
FROM funding f JOIN reports r USING (report_id)
WHERE f.received_date IS NOT NULL AND r.fiscal_year IS NOT NULL AND year(f.received_date) <> r.fiscal_year
UNION ALL
SELECT a.report_id, format('下达时间 {} ({}) is outside fiscal year {}', a.issued_date, coalesce(a.doc_number, ''), r.fiscal_year),
       r.fiscal_year::VARCHAR, a.issued_date::VARCHAR
FROM allocations a JOIN reports r USING (report_id)
WHERE a.issued_date IS NOT NULL AND r.fiscal_year IS NOT NULL AND year(a.issued_date) <> r.fiscal_year
