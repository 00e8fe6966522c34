"""Replies as a terminal shows them: text as is, choices numbered, rich content on one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.cli.scripts import summary_line

CHOICE_INDENT = "  "


def render_reply(reply: Mapping[str, Any]) -> list[str]:
    kind = reply.get("kind")
    text = str(reply.get("text") or "")
    options = [str(o) for o in reply.get("options") or ()]
    if kind == "menu":
        return _menu_header(text, options) + numbered(options)
    if kind == "buttons":
        return text.splitlines() + numbered(options)
    if kind == "carousel":
        return ["[carousel]", *_cards(reply.get("payload") or {}), *numbered(options)]
    if kind in ("media", "location"):
        address = (reply.get("payload") or {}).get("address") if kind == "location" else ""
        return [summary_line(reply)] + ([f"{CHOICE_INDENT}{address}"] if address else [])
    return text.splitlines() or [""]


def numbered(options: Sequence[str]) -> list[str]:
    return [f"{CHOICE_INDENT}{index}) {title}" for index, title in enumerate(options, 1)]


def _menu_header(text: str, options: list[str]) -> list[str]:
    # The engine writes a menu as its header then one "1. Title" line per option; the terminal
    # numbers the options itself, so only the header is kept. Anything else is shown whole.
    lines = text.splitlines()
    if not options or len(lines) < len(options):
        return lines
    tail = lines[len(lines) - len(options):]
    if all(line.endswith(title) for line, title in zip(tail, options, strict=True)):
        return lines[: len(lines) - len(options)]
    return lines


def _cards(payload: Mapping[str, Any]) -> list[str]:
    lines = []
    for card in payload.get("cards") or []:
        line = f"{CHOICE_INDENT}- {card.get('title', '')}"
        if card.get("subtitle"):
            line += f" — {card['subtitle']}"
        if card.get("image"):
            line += f" ({card['image']})"
        lines.append(line)
    return lines
