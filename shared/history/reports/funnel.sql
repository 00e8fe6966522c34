-- Conversion funnel of the sessions started in [@start, @end).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- A session reaches a step when it did what the step says AND reached every earlier step (a strict
-- funnel); later steps may happen after @end (the session started in the window):
--   1 started          a session_started event in [@start, @end)
--   2 menu_shown       the bot sent the session a menu (a messages row: outbound, sender_type bot, kind menu)
--   3 option_chosen    the customer chose one of its options (an option_selected event)
--   4 handed_to_agent  the session was handed to people (a ticket_opened event)
--   5 resolved         its ticket was closed as RESOLVED (a ticket_resolved event)
-- A customer who asks for a person without using a menu is handed over but leaves the funnel at step 2 or 3.
-- Columns: step, stage, sessions, share_of_started (sessions / step 1's sessions, 0..1, 4 decimals).
WITH started AS (
  SELECT DISTINCT session_id
  FROM events
  WHERE workspace_id = @workspace_id
    AND type = 'session_started'
    AND session_id IS NOT NULL
    AND occurred_at >= @start
    AND occurred_at < @end
),
menus AS (
  SELECT DISTINCT session_id
  FROM messages
  WHERE workspace_id = @workspace_id
    AND direction = 'outbound'
    AND sender_type = 'bot'
    AND kind = 'menu'
    AND occurred_at >= @start
),
later_steps AS (
  SELECT
    session_id,
    LOGICAL_OR(type = 'option_selected') AS option_chosen,
    LOGICAL_OR(type = 'ticket_opened') AS handed_to_agent,
    LOGICAL_OR(type = 'ticket_resolved') AS resolved
  FROM events
  WHERE workspace_id = @workspace_id
    AND type IN ('option_selected', 'ticket_opened', 'ticket_resolved')
    AND occurred_at >= @start
  GROUP BY session_id
),
reached AS (
  SELECT
    m.session_id IS NOT NULL AS menu_shown,
    COALESCE(l.option_chosen, FALSE) AS option_chosen,
    COALESCE(l.handed_to_agent, FALSE) AS handed_to_agent,
    COALESCE(l.resolved, FALSE) AS resolved
  FROM started AS s
  LEFT JOIN menus AS m ON m.session_id = s.session_id
  LEFT JOIN later_steps AS l ON l.session_id = s.session_id
),
totals AS (
  SELECT
    COUNT(*) AS started,
    COUNTIF(menu_shown) AS menu_shown,
    COUNTIF(menu_shown AND option_chosen) AS option_chosen,
    COUNTIF(menu_shown AND option_chosen AND handed_to_agent) AS handed_to_agent,
    COUNTIF(menu_shown AND option_chosen AND handed_to_agent AND resolved) AS resolved
  FROM reached
),
funnel AS (
  SELECT 1 AS step, 'started' AS stage, started AS sessions, started AS base FROM totals
  UNION ALL
  SELECT 2, 'menu_shown', menu_shown, started FROM totals
  UNION ALL
  SELECT 3, 'option_chosen', option_chosen, started FROM totals
  UNION ALL
  SELECT 4, 'handed_to_agent', handed_to_agent, started FROM totals
  UNION ALL
  SELECT 5, 'resolved', resolved, started FROM totals
)
SELECT step, stage, sessions, ROUND(SAFE_DIVIDE(sessions, base), 4) AS share_of_started
FROM funnel
ORDER BY step
