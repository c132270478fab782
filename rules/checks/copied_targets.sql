-- id: copied_targets
-- severity: warning
-- meaning: Actuals are not the targets copied: when every indicator's actual (three or more) equals its target word for word, the results were probably never filled in.
WITH rows AS (
    SELECT report_id, count(*) AS n,
           count(*) FILTER (WHERE trim(actual) = trim(target)) AS same
    FROM indicators
    WHERE target IS NOT NULL AND actual IS NOT NULL
    GROUP BY report_id
)
SELECT report_id, json_object('key', 'copied_targets', 'n', n) AS message, 'results' AS expected, format('{} / {}', same, n) AS actual
FROM rows
WHERE n >= 3 AND same = n
