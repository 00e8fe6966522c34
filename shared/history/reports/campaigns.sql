-- Per campaign and subcampaign: the sessions a campaign brought (the referral of a link or an ad) that
-- started in [@start, @end) and ended, how many went to people, how many of those were resolved, and CSAT.
-- Sessions without a campaign are left out (see the channels report for every session).
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Columns: campaign, subcampaign (NULL: the campaign without a subcampaign), sessions, handed_over (a ticket
-- was opened), resolved (its ticket ended RESOLVED), avg_csat (2 decimals, NULL if none was rated).
SELECT
  campaign,
  subcampaign,
  COUNT(*) AS sessions,
  COUNTIF(ticket_id IS NOT NULL) AS handed_over,
  COUNTIF(resolution = 'RESOLVED') AS resolved,
  ROUND(AVG(csat), 2) AS avg_csat
FROM sessions
WHERE workspace_id = @workspace_id
  AND started_at >= @start
  AND started_at < @end
  AND campaign IS NOT NULL
GROUP BY campaign, subcampaign
ORDER BY campaign, subcampaign
