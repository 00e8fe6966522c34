-- Intents matched versus not understood in [@start, @end): per intent, how many customer messages matched it
-- (intent_matched events), and how many messages were not understood while it was the conversation's latest
-- intent (not_understood events carry that intent; NULL: no intent had matched yet).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Columns: intent, matched, not_understood. The most matched first.
SELECT
  intent,
  COUNTIF(type = 'intent_matched') AS matched,
  COUNTIF(type = 'not_understood') AS not_understood
FROM events
WHERE workspace_id = @workspace_id
  AND type IN ('intent_matched', 'not_understood')
  AND occurred_at >= @start
  AND occurred_at < @end
GROUP BY intent
ORDER BY matched DESC, not_understood DESC, intent
