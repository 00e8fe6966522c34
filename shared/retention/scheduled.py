"""The daily purge as a Pub/Sub-triggered function runs it: within a time budget, then handing its cursor
to a new invocation through the same topic, so no run is cut by the function's time limit."""

from __future__ import annotations

import json
from datetime import timedelta

from shared.events import topics
from shared.kernel.errors import InvalidInput
from shared.kernel.logs import log
from shared.retention.model import RetentionDeps
from shared.retention.purge import purge_expired

FUNCTION = "retention_purge"


def run_scheduled_purge(ports: RetentionDeps, data: bytes) -> bool:
    """One invocation; True when the run finished. ``data``: {} (the scheduler's) or {"cursor": {...}}."""
    try:
        message = json.loads(data or b"{}")
    except ValueError as exc:
        raise InvalidInput(f"retention message: malformed JSON ({exc})") from None
    if not isinstance(message, dict) or not isinstance(message.get("cursor", {}), dict | None):
        raise InvalidInput("retention message: expected {} or {\"cursor\": {...}}")
    deadline = ports.clock.now() + timedelta(seconds=topics.RETENTION_RUN_BUDGET_S)
    report = purge_expired(ports, deadline=deadline, cursor=message.get("cursor"))
    totals = report.totals.to_dict()
    if not report.finished:
        # A redelivery of this message would publish the same cursor again: the purge is idempotent.
        ports.bus.publish(topics.RETENTION, json.dumps({"cursor": report.cursor}).encode())
    log("INFO", "retention purge " + ("finished" if report.finished else "continues in a new invocation"),
        function=FUNCTION, **{k: v for k, v in totals.items() if v})
    return report.finished
