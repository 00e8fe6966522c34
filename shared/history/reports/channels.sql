-- Per channel: the sessions that started in [@start, @end) and ended (a sessions row is written when a
-- session ends), how they were handled, and the messages of the window.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Columns: channel, sessions, bot_only, with_agent, abandoned (the three handled_by values),
-- avg_duration_s (1 decimal), avg_csat (2 decimals, NULL if no session was rated), messages_in (from
-- customers), messages_out (from the bot, agents and the system) in [@start, @end).
WITH session_counts AS (
  SELECT
    channel,
    COUNT(*) AS sessions,
    COUNTIF(handled_by = 'bot') AS bot_only,
    COUNTIF(handled_by = 'agent') AS with_agent,
    COUNTIF(handled_by = 'abandoned') AS abandoned,
    AVG(duration_s) AS avg_duration_s,
    AVG(csat) AS avg_csat
  FROM sessions
  WHERE workspace_id = @workspace_id
    AND started_at >= @start
    AND started_at < @end
  GROUP BY channel
),
message_counts AS (
  SELECT
    channel,
    COUNTIF(direction = 'inbound') AS messages_in,
    COUNTIF(direction = 'outbound') AS messages_out
  FROM messages
  WHERE workspace_id = @workspace_id
    AND occurred_at >= @start
    AND occurred_at < @end
  GROUP BY channel
)
SELECT
  COALESCE(s.channel, m.channel) AS channel,
  COALESCE(s.sessions, 0) AS sessions,
  COALESCE(s.bot_only, 0) AS bot_only,
  COALESCE(s.with_agent, 0) AS with_agent,
  COALESCE(s.abandoned, 0) AS abandoned,
  ROUND(s.avg_duration_s, 1) AS avg_duration_s,
  ROUND(s.avg_csat, 2) AS avg_csat,
  COALESCE(m.messages_in, 0) AS messages_in,
  COALESCE(m.messages_out, 0) AS messages_out
FROM session_counts AS s
FULL OUTER JOIN message_counts AS m ON m.channel = s.channel
ORDER BY channel
