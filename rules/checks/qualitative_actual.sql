-- id: qualitative_actual
-- severity: warning
-- meaning: An indicator whose target is a figure has a figure as its actual, not a word (「≥95%」 against 「达标」 cannot be checked).
SELECT report_id,
       json_object('key', 'qualitative_actual', 'name', name, 'target', target, 'actual', actual) AS message,
       target AS expected,
       actual AS actual
FROM indicators
WHERE target_value IS NOT NULL AND actual IS NOT NULL AND actual_value IS NULL AND NOT regexp_matches(actual, '[0-9０-９]')
