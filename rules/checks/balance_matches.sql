-- id: balance_matches
-- severity: error
-- meaning: 结余 equals received − spent, where all three are stated.
SELECT report_id,
       json_object('key', 'balance_matches', 'place', source_label, 'balance', balance_yuan, 'received', received_yuan,
                   'spent', spent_yuan, 'computed', received_yuan - spent_yuan) AS message,
       (received_yuan - spent_yuan)::VARCHAR AS expected,
       balance_yuan::VARCHAR AS actual
FROM funding
WHERE balance_yuan IS NOT NULL AND received_yuan IS NOT NULL AND spent_yuan IS NOT NULL
  AND abs(received_yuan - spent_yuan - balance_yuan) > 1
