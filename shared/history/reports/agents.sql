-- Per agent: chats that came to each agent (assigned, by the rules, a transfer or an accepted invitation) in
-- [@start, @end), chats they held that were resolved in the window, chats they hold open at @end, and their
-- average first response times over the sessions of the window they handled.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Reads ticket_events (the window's ticket events) and open_tickets (the tickets open at @end, as their
-- latest event in [@start, @end) left them) from the prelude preludes/open_tickets.sql.

-- First response times come from the sessions table (sessions started in the window and ended), attributed
-- to the session's agent_id: the agent who held its ticket last.
-- Columns: agent_id, incoming, resolved, active, avg_first_response_s (from the agent joining,
-- 1 decimal), avg_first_response_from_queue_s (from the customer entering the queue, 1 decimal).
WITH facts AS (
  SELECT 'incoming' AS fact, agent_id, ticket_id
  FROM ticket_events
  WHERE type = 'ticket_assigned' AND agent_id IS NOT NULL
  UNION ALL
  SELECT 'resolved', agent_id, ticket_id
  FROM ticket_events
  WHERE type = 'ticket_resolved' AND agent_id IS NOT NULL
  UNION ALL
  SELECT 'active', agent_id, ticket_id
  FROM open_tickets
  WHERE agent_id IS NOT NULL
),
counts AS (
  SELECT
    agent_id,
    COUNT(DISTINCT IF(fact = 'incoming', ticket_id, NULL)) AS incoming,
    COUNT(DISTINCT IF(fact = 'resolved', ticket_id, NULL)) AS resolved,
    COUNT(DISTINCT IF(fact = 'active', ticket_id, NULL)) AS active
  FROM facts
  GROUP BY agent_id
),
responses AS (
  SELECT
    agent_id,
    AVG(first_response_from_agent_s) AS avg_first_response_s,
    AVG(first_response_from_queue_s) AS avg_first_response_from_queue_s
  FROM sessions
  WHERE workspace_id = @workspace_id
    AND started_at >= @start
    AND started_at < @end
    AND agent_id IS NOT NULL
  GROUP BY agent_id
)
SELECT
  COALESCE(c.agent_id, r.agent_id) AS agent_id,
  COALESCE(c.incoming, 0) AS incoming,
  COALESCE(c.resolved, 0) AS resolved,
  COALESCE(c.active, 0) AS active,
  ROUND(r.avg_first_response_s, 1) AS avg_first_response_s,
  ROUND(r.avg_first_response_from_queue_s, 1) AS avg_first_response_from_queue_s
FROM counts AS c
FULL OUTER JOIN responses AS r ON r.agent_id = c.agent_id
ORDER BY agent_id
