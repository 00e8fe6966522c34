"""What a bot element is: its name in the file, its schema check, how it runs in a turn, and the kinds of
effect it asks for (done exactly once after the turn commits).

An element module sees the loader and the engine only through the two small protocols below, so it
imports neither (the loader and the engine import the registry, never the other way round).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shared.bots.definition import Bot, Intent, Menu
from shared.bots.expressions import Condition
from shared.bots.turn_types import BotPosition, TurnContext

# Where to carry on once an ask is answered: {"intent": name, "index": next element}; None in actions.
Resume = dict[str, Any] | None


class Checker(Protocol):
    """The loader's side of a check: problems are ``(line, "key.path: what was expected")``."""

    def problem(self, path: str, message: str) -> None: ...

    def warn(self, path: str, message: str) -> None: ...

    def expect(self, value: Any, kinds: type | tuple[type, ...], path: str, expected: str) -> bool:
        """False (after reporting "expected …, got …") unless ``value`` is of one of ``kinds``."""
        ...

    def unknown_keys(self, mapping: dict, allowed: set[str] | tuple[str, ...], path: str) -> None: ...

    def condition(self, source: Any, path: str) -> Condition | None: ...

    def options(self, options: Any, path: str, depth: int, minimum: int = 1) -> list[dict]:
        """A list of options (title, when, an action, a submenu or back), as menus and buttons have."""
        ...

    def action(self, action: Any, path: str) -> None:
        """A mapping of actions run in order (on_fail, on_error)."""
        ...

    def refers_to(self, path: str, name: str) -> None:
        """``name`` must be an intent or a menu of the bot: checked once the whole file is read."""
        ...

    def asks(self, path: str, ask: dict) -> None:
        """An ask: its variable must be declared (checked once the variables are known)."""
        ...

    def hands_over_to(self, bot_id: str) -> None:
        """A bot named by the file: checked when its workspace folder loads."""
        ...

    def calls_webhooks(self) -> None: ...


class Turn(Protocol):
    """The engine's side of a turn, as an element runs in it."""

    bot: Bot
    position: BotPosition
    context: TurnContext
    pending_delay_ms: int  # added to the next reply's delay

    def values(self) -> dict[str, Any]: ...

    def holds(self, condition: str | Condition | None) -> bool: ...

    def render(self, template: str) -> str: ...

    def phrase(self, key: str) -> str: ...

    def say(self, kind: str, text: str = "", options: tuple[str, ...] = (), intent: str = "",
            payload: dict[str, Any] | None = None) -> None: ...

    def event(self, type_: str, intent: str = "", **detail: Any) -> None: ...

    def effect(self, kind: str, **data: Any) -> None: ...

    def run_target(self, name: str, via: str) -> None: ...

    def run_intent(self, intent: Intent, start: int = 0) -> None: ...

    def run_action(self, action: Mapping[str, Any]) -> bool: ...

    def show_frame(self, frame: dict[str, Any]) -> None: ...

    def show_menu(self, menu: Menu) -> None: ...

    def hand_over(self, bot_id: str, message: str, reason: str) -> bool: ...

    def keep_variable(self, name: str, value: Any) -> None: ...

    def add_tag(self, tag: str) -> None: ...

    def close(self, by: str) -> None: ...


@dataclass(frozen=True)
class Element:
    """One element of the bot format, as the registry lists it.

    ``check(checker, value, path)`` reports every problem of ``value`` at ``path`` (the element's key);
    ``run(turn, value, resume)`` does it and returns False when it ends the sequence (go_to, ask, close…).
    """

    name: str
    check: Callable[[Checker, Any, str], None]
    run: Callable[[Turn, Any, Resume], bool]
    in_actions: bool = False  # may also be an option's, an on_fail's or an on_error's action
    # The kinds of Effect its run may return; shared/conversations/bot_effects.py stages each once the turn
    # commits (apart, so that loading a bot file never reaches the topic names staging uses).
    effects: tuple[str, ...] = ()


def check_target(check: Checker, value: Any, path: str) -> None:
    """An intent or menu name (go_to, menu)."""
    if check.expect(value, str, path, "an intent or menu name"):
        check.refers_to(path, value)
