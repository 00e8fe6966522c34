"""``carousel: {cards}``: cards with a title, subtitle, image and buttons that run actions."""

from __future__ import annotations

from typing import Any

from shared.bots import limits
from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with cards"):
        return
    check.unknown_keys(value, {"cards"}, path)
    cards = value.get("cards")
    c_path = child_path(path, "cards")
    if not check.expect(cards, list, c_path, "a list of cards"):
        return
    if not 1 <= len(cards) <= limits.MAX_CAROUSEL_CARDS:
        check.problem(c_path, f"{len(cards)} cards, expected 1 to {limits.MAX_CAROUSEL_CARDS}")
    for index, card in enumerate(cards):
        card_path = child_path(c_path, index)
        if not check.expect(card, dict, card_path, "a mapping with title, subtitle, image and buttons"):
            continue
        check.unknown_keys(card, {"title", "subtitle", "image", "buttons"}, card_path)
        title = card.get("title")
        if check.expect(title, str, child_path(card_path, "title"), "the card's title") and (
                len(title) > limits.MAX_CARD_TITLE_CHARS):
            check.problem(child_path(card_path, "title"),
                          f"{len(title)} characters, at most {limits.MAX_CARD_TITLE_CHARS}")
        for key in ("subtitle", "image"):
            if key in card:
                check.expect(card[key], str, child_path(card_path, key), "text")
        if "buttons" in card:
            b_path = child_path(card_path, "buttons")
            buttons = card["buttons"]
            if check.expect(buttons, list, b_path, "a list of options") and len(buttons) > limits.MAX_CARD_BUTTONS:
                check.problem(b_path, f"{len(buttons)} buttons, at most {limits.MAX_CARD_BUTTONS} per card")
            check.options(buttons, b_path, depth=1, minimum=0)


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    cards, choices = [], []
    for card in value["cards"]:
        buttons = [b for b in card.get("buttons", []) if turn.holds(b.get("when"))]
        choices.extend(buttons)
        cards.append({"title": turn.render(card["title"]), "subtitle": turn.render(card.get("subtitle", "")),
                      "image": card.get("image", ""), "buttons": [b["title"] for b in buttons]})
    if choices:
        turn.position.menu_stack = [{"header": "", "options": choices, "numbered_emojis": False, "menu": ""}]
    turn.say("carousel", options=tuple(b["title"] for b in choices), payload={"cards": cards})
    return True


ELEMENT = Element("carousel", check, run)
