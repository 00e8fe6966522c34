"""Fitting text into a provider's length limits: long messages split into several, labels shortened,
option ids that fall back to a position.

Providers measure length differently: WhatsApp and Messenger count characters, Instagram text and
Telegram callback_data count UTF-8 bytes, Telegram texts and Twilio bodies count UTF-16 code units
(an emoji is two). Every function here takes what "fits" means as a predicate or a measure, so the
one splitting rule serves every provider; the numbers stay in each provider module's LIMITS.

Predicates are assumed monotone (what fits still fits once shortened), as every length measure is.
"""

from __future__ import annotations

from collections.abc import Callable

Fits = Callable[[str], bool]
Measure = Callable[[str], int]

ELLIPSIS = "…"
# Coarsest first: a paragraph break is the best place to cut, then a line break, then a space.
_BOUNDARIES = ("\n\n", "\n", " ")


# -- measures ----------------------------------------------------------------------------------------

def utf8_bytes(text: str) -> int:
    # surrogatepass: a lone surrogate (JSON allows "\ud83d") is counted instead of raising.
    return len(text.encode("utf-8", "surrogatepass"))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def within_chars(limit: int) -> Fits:
    return lambda text: len(text) <= limit


def within_utf8_bytes(limit: int) -> Fits:
    return lambda text: utf8_bytes(text) <= limit


def within_utf16_units(limit: int) -> Fits:
    return lambda text: utf16_units(text) <= limit


# -- splitting ---------------------------------------------------------------------------------------

def split_text(text: str, fits: Fits) -> list[str]:
    """``text`` in pieces that each ``fit``, trimmed and never empty: cut between paragraphs, else
    lines, else words, and inside a word only when that word alone does not fit.

    The first piece is a prefix of ``text.strip()`` and the last a suffix, so callers may take the
    rest around either. A character that alone does not fit still makes a piece of its own (no
    provider limit is that small; the alternative is never finishing)."""
    pieces = _split(text.strip(), fits, _BOUNDARIES)
    return [piece for piece in (p.strip() for p in pieces) if piece]


def _split(text: str, fits: Fits, boundaries: tuple[str, ...]) -> list[str]:
    if fits(text):
        return [text]
    if not boundaries:
        return _cut_anywhere(text, fits)
    boundary, finer = boundaries[0], boundaries[1:]
    pieces: list[str] = []
    current: str | None = None
    for part in text.split(boundary):
        candidate = part if current is None else f"{current}{boundary}{part}"
        if fits(candidate):
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
        # The part alone is too long: cut it at finer boundaries; its last piece may still gather
        # what follows.
        *done, current = _split(part, fits, finer)
        pieces.extend(done)
    if current is not None:
        pieces.append(current)
    return pieces


def _cut_anywhere(text: str, fits: Fits) -> list[str]:
    pieces = []
    while text:
        end = max(_fitting_length(text, fits), 1)
        pieces.append(text[:end])
        text = text[end:]
    return pieces


def _fitting_length(text: str, fits: Fits) -> int:
    """The length of the longest prefix of ``text`` that fits (binary search: fits is monotone)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


# -- labels and ids ----------------------------------------------------------------------------------

def shorten(text: str, limit: int, measure: Measure = len) -> str:
    """``text`` trimmed, or when that is over ``limit`` (as ``measure`` counts) cut to what fits
    ending with "…"."""
    text = text.strip()
    if measure(text) <= limit:
        return text
    if measure(ELLIPSIS) > limit:  # not even the ellipsis fits (3 UTF-8 bytes): cut bare
        return text[:_fitting_length(text, lambda prefix: measure(prefix) <= limit)]
    kept = _fitting_length(text, lambda prefix: measure(prefix + ELLIPSIS) <= limit)
    return text[:kept].rstrip() + ELLIPSIS


def option_id(title: str, index: int, fits: Fits) -> str:
    """What an option sends back when chosen: its full title when that fits the provider's id limit,
    else its 1-based position (the engine accepts either as the answer)."""
    return title if title and fits(title) else str(index + 1)
