-- Pause detail: every pause an agent started in [@start, @end), with its reason and how long it lasted.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Source: agent_status_changed events, one per change of an agent's status, detail
-- {"agent", "status" (online, paused, offline), "reason" (the pause reason, "" otherwise), "previous", "since"}.
-- A pause ends at the agent's next status change (online, offline, or a pause for another reason); a pause
-- still going at @end has resumed_at NULL and is counted until @end. Pauses begun before @start are not listed.
-- Columns: agent_id, reason, paused_at, resumed_at, resumed_as (the status that ended it), duration_s.
WITH changes AS (
  SELECT
    JSON_VALUE(detail, '$.agent') AS agent_id,
    JSON_VALUE(detail, '$.status') AS status,
    NULLIF(JSON_VALUE(detail, '$.reason'), '') AS reason,
    occurred_at
  FROM events
  WHERE workspace_id = @workspace_id
    AND type = 'agent_status_changed'
    AND occurred_at >= @start
    AND occurred_at < @end
),
sequenced AS (
  SELECT
    *,
    LEAD(occurred_at) OVER (PARTITION BY agent_id ORDER BY occurred_at) AS next_at,
    LEAD(status) OVER (PARTITION BY agent_id ORDER BY occurred_at) AS next_status
  FROM changes
)
SELECT
  agent_id,
  reason,
  occurred_at AS paused_at,
  next_at AS resumed_at,
  next_status AS resumed_as,
  TIMESTAMP_DIFF(COALESCE(next_at, @end), occurred_at, SECOND) AS duration_s
FROM sequenced
WHERE status = 'paused'
ORDER BY agent_id, paused_at
