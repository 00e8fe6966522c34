-- Per menu option: how many times each option of each menu was chosen in [@start, @end), and in how many
-- sessions. A submenu's options count under the menu it belongs to.
--
-- Parameters: @workspace_id STRING, @start TIMESTAMP, @end TIMESTAMP.
-- Source: option_selected events (detail.menu, detail.title).
-- Columns: menu, option_title, chosen, sessions. Per menu, the most chosen first.
SELECT
  JSON_VALUE(detail, '$.menu') AS menu,
  JSON_VALUE(detail, '$.title') AS option_title,
  COUNT(*) AS chosen,
  COUNT(DISTINCT session_id) AS sessions
FROM events
WHERE workspace_id = @workspace_id
  AND type = 'option_selected'
  AND occurred_at >= @start
  AND occurred_at < @end
GROUP BY menu, option_title
ORDER BY menu, chosen DESC, option_title
