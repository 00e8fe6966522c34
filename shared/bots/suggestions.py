"""The not-understood chain's nearest intents: how they are ranked, which are offered as "¿Quisiste decir…?"
buttons, and which the customer refused (docs/bot-format.md, "When nothing matched").

Ranking. With a classifier (the bot's own intent model, nlu_model) the intents are ranked by the model's
scores: ``Prediction.ranking``, calibrated probabilities over the bot's intents, best first. Without one,
by the share of a trigger's words the message holds (``matching.rank_intents``). The two scales differ,
so each ranking carries its own bars: the score an intent needs to be offered, and to be run directly as
the intent of the customer's current topic.

Refused. Buttons offered by the chain are refused by the message that answers them without choosing one:
a "no" ("no", "ninguna", "none of them", "nenhuma", courtesy words aside) or any message that is neither
one of the buttons nor understood (the customer ignored them). Refused intents are never offered, nor run
as the current topic's intent, again while the customer stays in the chain: they are remembered in the
buttons' frame and forgotten once a message is understood, an option is chosen or the session ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.bots.definition import Bot
from shared.bots.matching import normalise, rank_intents

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Ranking:
    """Intents nearest a message, best first, with the bars of the scale their scores are on."""

    ranked_by: str  # "model" or "triggers"
    scores: tuple[tuple[str, float], ...]
    suggest_min: float  # offered as a button from this score
    related_topic_min: float  # run directly, as the current topic's intent, from this score...
    related_topic_leads: bool = False  # ...and only when it is the nearest of all the intents


# Calibrated probabilities: a message the model cannot place spreads them thin (each ~0.1 among a shop
# bot's 17 intents), one it hesitates about splits most of the mass between two or three intents. The
# current topic's intent runs at once when the model and the topic agree: it leads the ranking with a
# quarter of the mass at least (the topic is the evidence a lone score lacks).
MODEL_SUGGEST_MIN = 0.2
MODEL_RELATED_TOPIC_MIN = 0.25
# Shares of a trigger's words: a third of a three-word trigger; half of it for the current topic.
TRIGGERS_SUGGEST_MIN = 0.34
TRIGGERS_RELATED_TOPIC_MIN = 0.5


def rank_nearest(bot: Bot, text: str, allowed: set[str], prediction: Any | None) -> Ranking:
    """The intents of ``allowed`` nearest the message: by the model's scores when there is a prediction
    (``Prediction.ranking``), by trigger words without a classifier or when the model offers none of them."""
    if prediction is not None:
        scores = tuple((str(name), float(score)) for name, score in (getattr(prediction, "ranking", None) or ())
                       if name in allowed and score > 0)
        if any(score >= MODEL_SUGGEST_MIN for _, score in scores):
            return Ranking("model", scores, MODEL_SUGGEST_MIN, MODEL_RELATED_TOPIC_MIN, related_topic_leads=True)
        # The model places the message on none of the intents it may offer (it is sure of one that is off now,
        # or of nothing): its scores say nothing about them, so the words the message shares with their
        # triggers rank them, on that scale's bars.
    return Ranking("triggers", tuple(rank_intents(bot, text, allowed)), TRIGGERS_SUGGEST_MIN,
                   TRIGGERS_RELATED_TOPIC_MIN)


def nearest_in_topic(ranking: Ranking, topic_of: Mapping[str, str], topic: str,
                     refused: Sequence[str]) -> str | None:
    """The current topic's intent the chain runs at once (``related_topic``), if one is near enough and not
    refused: at the ranking's bar, and for the model's ranking the nearest of all (module doc)."""
    candidates = [(name, score) for name, score in ranking.scores if name not in refused]
    in_topic = [(name, score) for name, score in candidates if topic_of.get(name) == topic]
    if not in_topic or in_topic[0][1] < ranking.related_topic_min:
        return None
    if ranking.related_topic_leads and candidates[0][0] != in_topic[0][0]:
        return None
    return in_topic[0][0]


def intents_to_offer(ranking: Ranking, refused: Sequence[str]) -> list[str]:
    """The intents to offer as buttons: above the ranking's bar, none the customer refused, at most three."""
    return [name for name, score in ranking.scores
            if score >= ranking.suggest_min and name not in refused][:MAX_SUGGESTIONS]


def suggestions_frame(header: str, options: list[dict[str, Any]], offered: list[str],
                      refused: Sequence[str]) -> dict[str, Any]:
    """The menu frame of the buttons on screen; it remembers what was offered and what was refused before."""
    return {"header": header, "options": options, "numbered_emojis": False, "menu": "",
            "suggested": list(offered), "refused": list(refused)}


def suggestions_on_screen(menu_stack: list[dict[str, Any]]) -> bool:
    """The chain's buttons are what the customer is looking at."""
    return bool(menu_stack) and "suggested" in menu_stack[-1]


def refused_suggestions(menu_stack: list[dict[str, Any]]) -> list[str]:
    """What the message answering the chain's buttons refuses: the intents offered, and those refused before.
    Called only for a message that chose none of them (a "no", or something not understood)."""
    if not suggestions_on_screen(menu_stack):
        return []
    top = menu_stack[-1]
    return list(dict.fromkeys([*top.get("refused", ()), *top.get("suggested", ())]))


# A refusal is the whole message, once courtesy words are out: "no, gracias", "ninguna de esas", "none".
# "no, quiero saber el envío" is not one: it says what the customer wants, and is matched as any message.
_REFUSALS = frozenset(normalise(p) for p in (
    "no", "nop", "nope", "nah", "ninguna", "ninguno", "ninguna de esas", "ninguna de estas", "ninguno de esos",
    "ninguna de las dos", "ninguna de las tres", "ninguna opcion", "nada de eso", "no es eso", "no era eso",
    "eso no", "tampoco", "ni una", "otra cosa",
    "none", "none of them", "none of these", "none of those", "neither", "neither of them", "not that",
    "no not that", "something else",
    "nao", "nenhuma", "nenhum", "nenhuma delas", "nenhum deles", "nenhuma dessas", "nada disso", "nao e isso",
    "nao era isso", "outra coisa",
))
_COURTESY = tuple(normalise(p) for p in (
    "muchas gracias", "gracias", "por favor", "thank you", "thanks", "please", "obrigado", "obrigada", "valeu",
))


def refuses_suggestions(text: str) -> bool:
    """The message refuses the buttons on screen (module doc), in es, en or pt."""
    message = f" {normalise(text)} "
    for courtesy in _COURTESY:
        message = message.replace(f" {courtesy} ", " ")
    return " ".join(message.split()) in _REFUSALS
