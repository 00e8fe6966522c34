-- Pending chats: an agent holds the chat and the customer is waiting for their answer at @end (the agent
-- has not written since the ticket opened, or the customer wrote after the agent's last message).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Reads chats and chat_messages from the preludes preludes/open_tickets.sql and preludes/held_chats.sql (the
-- open chats an agent holds at @end and what each side said since the ticket opened; choose @start at least
-- the workspace's ticket expiry before @end). Open, pending and follow-up chats never overlap; together
-- they are every open chat.
-- Columns: ticket_id, conversation_id, channel, queue, agent_id, opened_at, last_customer_message_at,
-- last_agent_message_at, waiting_since (the customer's first message after the agent's last one, or
-- opened_at if the customer said nothing since), waiting_s (seconds from waiting_since to @end).
-- Longest wait first.
WITH pending AS (
  SELECT *
  FROM chats
  WHERE last_agent_message_at IS NULL OR last_customer_message_at > last_agent_message_at
),
unanswered AS (
  SELECT c.ticket_id, MIN(c.occurred_at) AS first_unanswered_at
  FROM chat_messages AS c
  JOIN pending AS p ON p.ticket_id = c.ticket_id
  WHERE c.sender_type = 'user'
    AND (p.last_agent_message_at IS NULL OR c.occurred_at > p.last_agent_message_at)
  GROUP BY c.ticket_id
)
SELECT
  p.ticket_id,
  p.conversation_id,
  p.channel,
  p.queue,
  p.agent_id,
  p.opened_at,
  p.last_customer_message_at,
  p.last_agent_message_at,
  COALESCE(u.first_unanswered_at, p.opened_at) AS waiting_since,
  TIMESTAMP_DIFF(@end, COALESCE(u.first_unanswered_at, p.opened_at), SECOND) AS waiting_s
FROM pending AS p
LEFT JOIN unanswered AS u ON u.ticket_id = p.ticket_id
ORDER BY waiting_since, ticket_id
