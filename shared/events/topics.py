"""Topic and subscription names, read from the one file Terraform reads too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.ports.event_bus import Subscription

_CONTRACT = json.loads((Path(__file__).parents[1] / "contracts" / "topics.json").read_text())

INBOUND: str = _CONTRACT["topics"]["inbound"]
MEDIA: str = _CONTRACT["topics"]["media"]  # inbound messages whose media is fetched before they go on
OUTBOUND: str = _CONTRACT["topics"]["outbound"]
ASSIGNMENT: str = _CONTRACT["topics"]["assignment"]
HISTORY: str = _CONTRACT["topics"]["history"]
TIMERS: str = _CONTRACT["topics"]["timers"]
# Cloud Scheduler publishes here daily; a purge that runs out of time publishes its cursor here to go on.
RETENTION: str = _CONTRACT["topics"]["retention"]
RETENTION_RUN_BUDGET_S: int = _CONTRACT["retention_run_budget_s"]
DEAD_LETTER: str = _CONTRACT["topics"]["dead_letter"]

ALL_TOPICS: tuple[str, ...] = tuple(_CONTRACT["topics"].values())


@dataclass(frozen=True)
class FunctionSubscription:
    """An event-driven function and the subscription that feeds it."""

    function: str
    subscription: Subscription


def function_subscriptions() -> list[FunctionSubscription]:
    delivery = _CONTRACT["delivery"]
    result = []
    for name, spec in _CONTRACT["subscriptions"].items():
        result.append(
            FunctionSubscription(
                function=spec["function"],
                subscription=Subscription(
                    name=f"charla-{name}",
                    topic=_CONTRACT["topics"][spec["topic"]],
                    dead_letter_topic=DEAD_LETTER,
                    max_delivery_attempts=delivery["max_delivery_attempts"],
                    min_backoff_s=delivery["min_backoff_s"],
                    max_backoff_s=delivery["max_backoff_s"],
                    ack_deadline_s=delivery["ack_deadline_s"],
                    ordered=True,
                ),
            )
        )
    return result
