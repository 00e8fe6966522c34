"""``menu: name``: shows one of the bot's menus, numbered; with a reminder or an automatic resolution,
it asks for them as timers (``schedule`` effects; ``cancel`` when the customer moves on)."""

from __future__ import annotations

from shared.bots.definition import Menu
from shared.bots.elements.base import Element, Resume, Turn, check_target

# What a menu's timer does when due; cancelling a menu's timers cancels one of each.
TIMER_ACTIONS = ("menu_reminder", "menu_resolve")
SCHEDULE = "schedule"
CANCEL = "cancel"


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


ELEMENT = Element("menu", check_target, run, in_actions=True, effects=(SCHEDULE, CANCEL))
