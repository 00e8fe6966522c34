"""The vocabulary of bot files: one module per element, and the one registry of them that the loader and
the engine read, and that tests hold docs/bot-format.md and the effect staging to.

Adding an element: a module beside these exporting ``ELEMENT`` (its name, check, run and the effect kinds
it asks for), one line in ``REGISTRY`` below, and its row in docs/bot-format.md; an element asking for a
new kind of effect also gets its stager in shared/conversations/bot_effects.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shared.bots.elements import (
    ask,
    assign,
    buttons,
    carousel,
    close,
    go_to,
    location,
    media,
    menu,
    mute_bot,
    send_email,
    set_variable,
    tag,
    text,
    wait,
    webhook,
)
from shared.bots.elements.base import Element


@dataclass(frozen=True)
class ElementRegistry:
    """The elements a bot file may use, in the order a mapping of actions runs them."""

    elements: tuple[Element, ...]

    def __post_init__(self) -> None:
        names = [e.name for e in self.elements]
        if len(set(names)) != len(names):
            raise ValueError(f"an element is registered twice: {names}")

    def __iter__(self) -> Iterator[Element]:
        return iter(self.elements)

    def __getitem__(self, name: str) -> Element:
        for element in self.elements:
            if element.name == name:
                return element
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """What a response element may be."""
        return tuple(e.name for e in self.elements)

    @property
    def action_names(self) -> tuple[str, ...]:
        """What an option, an on_fail or an on_error may do, in the order they run."""
        return tuple(e.name for e in self.elements if e.in_actions)

    @property
    def effect_kinds(self) -> frozenset[str]:
        """The kinds of effect the elements may return."""
        return frozenset(kind for e in self.elements for kind in e.effects)

    def with_elements(self, *extra: Element) -> ElementRegistry:
        """This vocabulary and more (a new element tried out before it is registered)."""
        return ElementRegistry((*self.elements, *extra))


# The order of the elements that are actions is the order a mapping of actions runs them:
# what to say first, then what to keep, then calls, then where to go and whom to hand over to.
REGISTRY = ElementRegistry((
    text.ELEMENT,
    media.ELEMENT,
    set_variable.ELEMENT,
    tag.ELEMENT,
    webhook.ELEMENT,
    ask.ELEMENT,
    send_email.ELEMENT,
    go_to.ELEMENT,
    menu.ELEMENT,
    assign.ELEMENT,
    close.ELEMENT,
    buttons.ELEMENT,
    carousel.ELEMENT,
    location.ELEMENT,
    mute_bot.ELEMENT,
    wait.ELEMENT,
))
