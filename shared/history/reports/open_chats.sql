-- Open chats: chats waiting in line at @end; no agent holds them yet (one may have been invited).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Reads open_tickets from the prelude preludes/open_tickets.sql (the tickets open at @end, as their latest
-- event in [@start, @end) left them: choose @start at least the workspace's ticket expiry before @end).
-- Columns: ticket_id, conversation_id, channel, queue, opened_at, waiting_since (= opened_at),
-- waiting_s (seconds from waiting_since to @end). Longest wait first.
SELECT
  ticket_id,
  conversation_id,
  channel,
  queue,
  opened_at,
  opened_at AS waiting_since,
  TIMESTAMP_DIFF(@end, opened_at, SECOND) AS waiting_s
FROM open_tickets
WHERE agent_id IS NULL
ORDER BY waiting_since, ticket_id
