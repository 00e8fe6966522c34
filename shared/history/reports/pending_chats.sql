-- Pending chats: an agent holds the chat and the customer is waiting for their answer at @end (the agent
-- has not written since the ticket opened, or the customer wrote after the agent's last message).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- A ticket's state at @end is the one its latest ticket_* event before @end left it in (status NEW or
-- IN_PROGRESS: open). Only tickets with an event in [@start, @end) are seen: choose @start at least the
-- workspace's ticket expiry before @end. opened_at is the ticket's first event in the window.
-- Messages counted: the customer's (sender_type user) and the agents' (agent) in [@start, @end), from the
-- ticket's opened_at on. Open, pending and follow-up chats never overlap; together they are every open chat.
-- Columns: ticket_id, conversation_id, channel, queue, agent_id, opened_at, last_customer_message_at,
-- last_agent_message_at, waiting_since (the customer's first message after the agent's last one, or
-- opened_at if the customer said nothing since), waiting_s (seconds from waiting_since to @end).
-- Longest wait first.
WITH ticket_events AS (
  SELECT
    JSON_VALUE(detail, '$.ticket_id') AS ticket_id,
    conversation_id,
    channel,
    type,
    occurred_at,
    JSON_VALUE(detail, '$.status') AS status,
    -- In invitation events detail.agent names the invited (or passing) agent, who does not hold the ticket.
    IF(
      type IN ('ticket_invited', 'ticket_declined', 'ticket_invitation_expired'),
      NULL,
      NULLIF(JSON_VALUE(detail, '$.agent'), '')
    ) AS agent_id,
    JSON_VALUE(detail, '$.queue') AS queue
  FROM events
  WHERE workspace_id = @workspace_id
    AND STARTS_WITH(type, 'ticket_')
    AND occurred_at >= @start
    AND occurred_at < @end
),
ranked AS (
  SELECT
    *,
    MIN(occurred_at) OVER (PARTITION BY ticket_id) AS opened_at,
    ROW_NUMBER() OVER (
      PARTITION BY ticket_id
      ORDER BY
        occurred_at DESC,
        -- Events of one transaction share a timestamp: the later step of the routing wins the tie.
        CASE type
          WHEN 'ticket_opened' THEN 0
          WHEN 'ticket_transferred' THEN 1
          WHEN 'ticket_declined' THEN 1
          WHEN 'ticket_invitation_expired' THEN 1
          WHEN 'ticket_queued' THEN 2
          WHEN 'ticket_invited' THEN 2
          WHEN 'ticket_assigned' THEN 3
          WHEN 'ticket_taken' THEN 4
          ELSE 5
        END DESC
    ) AS newest
  FROM ticket_events
),
open_tickets AS (
  SELECT ticket_id, conversation_id, channel, queue, agent_id, opened_at
  FROM ranked
  WHERE newest = 1 AND status IN ('NEW', 'IN_PROGRESS')
),
chat_messages AS (
  -- What the customer and the agents said in the chat since its ticket opened, up to @end.
  SELECT t.ticket_id, m.sender_type, m.occurred_at
  FROM open_tickets AS t
  JOIN messages AS m ON m.conversation_id = t.conversation_id
  WHERE m.workspace_id = @workspace_id
    AND m.occurred_at >= @start
    AND m.occurred_at < @end
    AND m.occurred_at >= t.opened_at
    AND m.sender_type IN ('user', 'agent')
),
last_words AS (
  SELECT
    ticket_id,
    MAX(IF(sender_type = 'user', occurred_at, NULL)) AS last_customer_message_at,
    MAX(IF(sender_type = 'agent', occurred_at, NULL)) AS last_agent_message_at
  FROM chat_messages
  GROUP BY ticket_id
),
chats AS (
  SELECT t.*, w.last_customer_message_at, w.last_agent_message_at
  FROM open_tickets AS t
  LEFT JOIN last_words AS w ON w.ticket_id = t.ticket_id
  WHERE t.agent_id IS NOT NULL
),
pending AS (
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
