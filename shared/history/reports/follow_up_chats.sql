-- Follow-up chats: the agent who holds the chat answered last; the chat waits for the customer at @end.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Reads chats from the preludes preludes/open_tickets.sql and preludes/held_chats.sql (the open chats an
-- agent holds at @end, with the last words of each side since the ticket opened; choose @start at least
-- the workspace's ticket expiry before @end). Open, pending and follow-up chats never overlap; together
-- they are every open chat.
-- Columns: ticket_id, conversation_id, channel, queue, agent_id, opened_at, last_customer_message_at,
-- last_agent_message_at, waiting_since (= last_agent_message_at), waiting_s (seconds from it to @end).
-- Longest wait first.
SELECT
  ticket_id,
  conversation_id,
  channel,
  queue,
  agent_id,
  opened_at,
  last_customer_message_at,
  last_agent_message_at,
  last_agent_message_at AS waiting_since,
  TIMESTAMP_DIFF(@end, last_agent_message_at, SECOND) AS waiting_s
FROM chats
WHERE last_agent_message_at IS NOT NULL
  AND (last_customer_message_at IS NULL OR last_agent_message_at >= last_customer_message_at)
ORDER BY waiting_since, ticket_id
