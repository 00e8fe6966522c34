-- Prelude held_chats: the open chats an agent holds, with the last words of each side; after open_tickets.
--
-- Messages counted: the customer's (sender_type user) and the agents' (agent) in [@start, @end), from the
-- ticket's opened_at on. Pending and follow-up chats are the two halves of these chats (whoever wrote last).
-- Defines: chat_messages (ticket_id, sender_type, occurred_at of those messages), last_words (ticket_id,
-- last_customer_message_at, last_agent_message_at) and chats (open_tickets' columns and the two last_*_at
-- of every open ticket an agent holds; a side that said nothing is NULL).
-- A list of CTEs, not a query: shared/history/reports.py puts it after open_tickets at the head of the WITH
-- of every report that names it (REPORTS' preludes).
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
)
