-- Prelude open_tickets: every ticket's state at @end, for the reports that ask about chats in progress.
--
-- A ticket's state at @end is the one its latest ticket_* event before @end left it in (status NEW or
-- IN_PROGRESS: open). Only tickets with an event in [@start, @end) are seen: choose @start at least the
-- workspace's ticket expiry before @end. opened_at is the ticket's first event in the window.
-- Defines: ticket_events (the window's ticket_* events, one row each: ticket_id, conversation_id, channel,
-- type, occurred_at, status, agent_id (who holds the ticket after it; NULL in invitation events), queue),
-- ranked (those rows with opened_at, and newest = 1 on each ticket's latest) and open_tickets (ticket_id,
-- conversation_id, channel, queue, agent_id, opened_at: the tickets open at @end).
-- A list of CTEs, not a query: shared/history/reports.py puts it at the head of the WITH of every report
-- that names it (REPORTS' preludes).
ticket_events AS (
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
)
