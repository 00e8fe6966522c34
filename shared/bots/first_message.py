"""What a session's first message says beyond its greeting.

A first message often opens with a greeting and carries a question: "hola, buenas tardes, ¿hacen
envíos al interior?". The engine greets (the bot's startup intent) and then answers the question in
the same turn. "Beyond a greeting" is defined here, precisely: the message with its greeting words
taken out — the phrases below, in every language the platform speaks, and the triggers of the bot's
startup intent — still has words left; the engine then matches those words as any message (triggers,
then the classifier above its usual bar). A lone "hola" or "buenas tardes, ¿qué tal?" leaves nothing
that matches, and gets the greeting alone, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.bots.matching import normalise

# Written normalised (lower case, no accents, no punctuation): they are compared with normalise()d text.
# Only greetings and the small talk that goes with them: never words a question could need.
GREETING_PHRASES: dict[str, tuple[str, ...]] = {
    "es": ("hola", "holis", "holaa", "buenas", "buen dia", "buenos dias", "buenas tardes", "buenas noches",
           "que tal", "como va", "como estas", "como andas", "como le va", "saludos", "hey", "ey", "alo"),
    "en": ("hi", "hello", "hey", "hiya", "hi there", "hello there", "good morning", "good afternoon",
           "good evening", "how are you", "how s it going", "greetings"),
    "pt": ("oi", "oii", "ola", "bom dia", "boa tarde", "boa noite", "tudo bem", "tudo bom", "e ai", "opa",
           "como vai", "salve"),
}


def beyond_greeting(text: str, startup_triggers: Iterable[str] = ()) -> str:
    """The words of ``text`` left once its greeting words are taken out (normalised; "" when none).

    Greeting phrases are removed as whole words wherever they are, longest first, so "buenas tardes"
    goes as one phrase rather than leaving "tardes" behind.
    """
    phrases = {normalise(p) for p in startup_triggers}
    phrases.update(p for group in GREETING_PHRASES.values() for p in group)
    remainder = f" {normalise(text)} "
    for phrase in sorted((p for p in phrases if p), key=len, reverse=True):
        remainder = re.sub(rf"(?<= ){re.escape(phrase)}(?= )", " ", remainder)
    return " ".join(remainder.split())
