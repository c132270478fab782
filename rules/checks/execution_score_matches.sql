-- id: execution_score_matches
-- severity: error
-- meaning: The execution score equals min(执行率, 100 %) × its points, within the document's rounding.
SELECT report_id,
       json_object('key', 'execution_score_matches', 'score', execution_score, 'rate', least(execution_rate_pct, 100),
                   'points', execution_score_max, 'computed', round(least(execution_rate_pct, 100) * execution_score_max / 100, 2)),
       round(least(execution_rate_pct, 100) * execution_score_max / 100, 2)::VARCHAR,
       execution_score::VARCHAR
FROM reports
WHERE execution_score IS NOT NULL AND execution_score_max IS NOT NULL AND execution_rate_pct IS NOT NULL
  AND abs(least(execution_rate_pct, 100) * execution_score_max / 100 - execution_score) > least(jx_unit(execution_score), 0.5) + 0.005
