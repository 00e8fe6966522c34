"""Exact and keyword trigger matching, checked before any statistical model; keyword phrases found inside a
message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from shared.bots.definition import Bot

_NON_WORD = re.compile(r"[^a-z0-9ñ]+")
EXACT_CONFIDENCE = 1.0
PHRASE_CONFIDENCE = 0.9
# A message that holds at least this share of a trigger's words, in any order, matches it.
KEYWORD_OVERLAP = 0.75


def normalise(text: str) -> str:
    """Lower case, accents off (ñ kept: it changes meaning in Spanish), punctuation to spaces."""
    lowered = text.lower().replace("ñ", "\x00")
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\x00", "ñ")
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def said_inside(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first of ``phrases`` the message holds as whole words, whatever its case, accents and punctuation
    ("hola, quiero hablar con una persona!" holds "hablar con una persona"; "agentes" does not hold "agente")."""
    message = f" {normalise(text)} "
    for phrase in phrases:
        wanted = normalise(phrase)
        if wanted and f" {wanted} " in message:
            return phrase
    return None


@dataclass(frozen=True)
class TriggerMatch:
    intent: str
    confidence: float
    how: str  # exact | phrase | keywords


def match_trigger(bot: Bot, text: str, allowed: set[str] | None = None) -> TriggerMatch | None:
    """The best trigger match among ``allowed`` intents (all when None): exact, phrase, then keywords."""
    message = normalise(text)
    if not message:
        return None
    words = set(message.split())
    best: TriggerMatch | None = None
    for intent in bot.triggered_intents():
        if allowed is not None and intent.name not in allowed:
            continue
        for trigger in intent.triggers:
            phrase = normalise(trigger)
            if not phrase:
                continue
            if phrase == message:
                return TriggerMatch(intent.name, EXACT_CONFIDENCE, "exact")
            candidate: TriggerMatch | None = None
            if f" {phrase} " in f" {message} ":
                candidate = TriggerMatch(intent.name, PHRASE_CONFIDENCE, "phrase")
            else:
                trigger_words = set(phrase.split())
                overlap = len(trigger_words & words) / len(trigger_words)
                if overlap >= KEYWORD_OVERLAP:
                    candidate = TriggerMatch(intent.name, round(0.5 + 0.3 * overlap, 3), "keywords")
            if candidate and (best is None or candidate.confidence > best.confidence):
                best = candidate
    return best


def rank_intents(bot: Bot, text: str, allowed: set[str] | None = None) -> list[tuple[str, float]]:
    """Intents by how much of their closest trigger the message holds (0..1), best first.

    Words of one or two letters are left out: "de", "la", "a" would make every
    Spanish trigger look related.
    """
    words = {w for w in normalise(text).split() if len(w) > 2}
    if not words:
        return []
    scores: dict[str, float] = {}
    for intent in bot.triggered_intents():
        if allowed is not None and intent.name not in allowed:
            continue
        for trigger in intent.triggers:
            trigger_words = {w for w in normalise(trigger).split() if len(w) > 2}
            if trigger_words:
                score = len(trigger_words & words) / len(trigger_words)
                scores[intent.name] = max(scores.get(intent.name, 0.0), score)
    return sorted(((n, s) for n, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0]))
