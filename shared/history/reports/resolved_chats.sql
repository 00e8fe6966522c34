-- Resolved chats: chats whose ticket was closed as RESOLVED in [@start, @end) (whenever it was opened), per
-- day and channel. Cancelled, unanswered and expired tickets are not resolved.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP, @time_zone STRING (an IANA name such
-- as America/Sao_Paulo: the days are the workspace's days).
-- Columns: day (DATE in @time_zone), channel, chats.
SELECT
  DATE(occurred_at, @time_zone) AS day,
  channel,
  COUNT(DISTINCT JSON_VALUE(detail, '$.ticket_id')) AS chats
FROM events
WHERE workspace_id = @workspace_id
  AND type = 'ticket_resolved'
  AND occurred_at >= @start
  AND occurred_at < @end
GROUP BY day, channel
ORDER BY day, channel
