"""``menu: name``: shows one of the bot's menus, numbered; with a reminder or an automatic resolution,
it schedules them as timers (cancelled when the customer moves on) and names them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from shared.bots.definition import Menu
from shared.bots.elements.base import EffectOrigin, Element, Resume, Turn, check_target
from shared.events import topics
from shared.events.outbox import OutboxEntry
from shared.messages.ids import stable_hash

TIMER_ACTIONS = ("menu_reminder", "menu_resolve")
SCHEDULE = "schedule"
CANCEL = "cancel"


def timer_task_name(conversation_id: str, token: str, action: str) -> str:
    return f"timer-{conversation_id}-{stable_hash(token)}-{action}"


def run(turn: Turn, value: str, resume: Resume) -> bool:
    turn.show_menu(turn.bot.menus[value])
    return True


def show(turn: Turn, menu: Menu) -> None:
    """The menu on screen, its timers scheduled and an earlier menu's cancelled."""
    options = [o for o in menu.options if turn.holds(o.get("when"))]
    frame = {"header": menu.header, "options": options, "numbered_emojis": menu.numbered_emojis,
             "menu": menu.name}
    turn.position.menu_stack = [frame]
    turn.position.failed_attempts = 0
    token = f"{turn.position.session_id}:{turn.position.turn}:{menu.name}"
    if turn.position.menu_token:
        turn.effect(CANCEL, token=turn.position.menu_token)
    turn.position.menu_token = token
    if menu.reminder_after_minutes:
        turn.effect(SCHEDULE, action="menu_reminder", token=token, after_s=menu.reminder_after_minutes * 60)
    if menu.resolve_after_minutes:
        turn.effect(SCHEDULE, action="menu_resolve", token=token, after_s=menu.resolve_after_minutes * 60)
    turn.show_frame(frame)


def cancel_timers(turn: Turn) -> None:
    """The menu on screen no longer applies: neither its reminder nor its resolution is due."""
    if turn.position.menu_token:
        turn.effect(CANCEL, token=turn.position.menu_token)
        turn.position.menu_token = ""


def stage_schedule(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    payload = {"conversation_id": origin.conversation_id, "workspace_id": origin.workspace_id,
               "action": data["action"], "token": data["token"]}
    return [OutboxEntry(
        key=origin.key, topic=topics.TIMERS, data=json.dumps(payload).encode(),
        task_name=timer_task_name(origin.conversation_id, data["token"], data["action"]),
        due_at=(origin.now + timedelta(seconds=data["after_s"])).isoformat())]


def stage_cancel(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    return [OutboxEntry(key=f"{origin.key}:{action}", topic=topics.TIMERS, data=b"{}",
                        cancel_task=timer_task_name(origin.conversation_id, data["token"], action))
            for action in TIMER_ACTIONS]


ELEMENT = Element("menu", check_target, run, in_actions=True,
                  effects={SCHEDULE: stage_schedule, CANCEL: stage_cancel})
