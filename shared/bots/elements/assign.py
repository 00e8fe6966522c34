"""``assign: {queue | agent | bot, message}``: hands the conversation to people (a queue or an agent,
through a ``handoff`` effect) or to another bot of the workspace."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path

HANDOFF = "handoff"


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with queue, agent or bot"):
        return
    check.unknown_keys(value, {"queue", "agent", "bot", "message"}, path)
    targets = [k for k in ("queue", "agent", "bot") if k in value]
    if len(targets) != 1:
        check.problem(path, f"expected exactly one of queue, agent or bot, found {len(targets)}")
        return
    check.expect(value[targets[0]], str, child_path(path, targets[0]), "a name")
    if "message" in value:
        check.expect(value["message"], str, child_path(path, "message"), "text")
    if targets[0] == "bot" and isinstance(value["bot"], str):
        check.hands_over_to(value["bot"])


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    if "bot" in value:
        return turn.hand_over(value["bot"], value.get("message", ""), reason="assign")
    target = {k: value[k] for k in ("queue", "agent") if k in value}
    turn.say("text", value.get("message") or turn.phrase("handoff"))
    turn.position.handoff = {**target, "at": turn.context.now.isoformat()}
    turn.position.menu_stack = []
    turn.effect(HANDOFF, **target)
    turn.event("handoff_requested", turn.position.last_intent, **target)
    return False


ELEMENT = Element("assign", check, run, in_actions=True, effects=(HANDOFF,))
