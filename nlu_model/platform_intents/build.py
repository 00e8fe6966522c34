"""Writes data/<language>.jsonl from the hand-written phrasings in sources/<language>.py.

    python -m nlu_model.platform_intents.build

Every phrasing yields a few variants customers really type: accents and opening marks dropped, one
spelling slip, a courtesy or an opener around an ask (for a person, to stop messages), an emoji or an
elongated word on the short ones. The held-back part is chosen per phrasing, not per variant: a
phrasing and all its variants are either in train or in test, so the test measures phrasings the
model never saw, not the same words with a typo. The output is deterministic (seeded per phrasing).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from importlib import import_module
from pathlib import Path
from types import ModuleType

from nlu_model.platform_intents import DATA_DIR, HUMAN, LANGUAGES, OPT_OUT, PLATFORM_INTENTS, SET_FILE, digest_of_data

TEST_EVERY = 5  # one phrasing in five (with its variants) is held back
# Intents whose asks carry courtesy and openers ("hola, ¿me pasás con un asesor, por favor?").
WRAPPED = (HUMAN, OPT_OUT)
# Emojis that keep the meaning of an intent (nlu_model.text turns them into words per language).
EMOJIS = {"platform.greeting": ["👋", "🙂"], "platform.thanks": ["🙏", "😊", "❤️"],
          "platform.goodbye": ["🙂", "😊"], "platform.yes": ["👍", "👌", "✅"], "platform.no": ["❌", "👎"],
          HUMAN: ["🙏", "😡"], OPT_OUT: ["😡", "🤬"]}


def without_accents(text: str) -> str:
    """How many type on a phone: no accents, no opening marks, lower case (ñ/ç go too)."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return stripped.replace("¿", "").replace("¡", "").lower()


def _slip(text: str, slips: list[tuple[str, str]], rng: random.Random) -> str:
    usable = [(right, wrong) for right, wrong in slips if re.search(rf"\b{re.escape(right)}\b", text, re.I)]
    if usable:
        right, wrong = rng.choice(usable)
        return re.sub(rf"\b{re.escape(right)}\b", wrong, text, count=1, flags=re.I)
    return _elongate(text)


def _elongate(text: str) -> str:
    """The last vowel of the last word held: "hola" -> "holaaa", "gracias" -> "graciaas"."""
    match = re.search(r"([aeiouáéíóú])([^aeiouáéíóú]*)$", text.rstrip("?!. "))
    if not match:
        return text + "!!"
    end = match.end(1)
    return text[:end] + match.group(1) * 2 + text[end:]


def _wrap(text: str, courtesy: tuple[str, str]) -> str:
    """A courtesy around the words: "necesito un asesor" -> "necesito un asesor, por favor"."""
    prefix, suffix = courtesy
    core = text.strip("¿¡?!.")
    return f"{prefix}{_lower_first(core) if prefix else core}{suffix}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def variants(text: str, intent: str, source: ModuleType) -> list[str]:
    rng = random.Random(hashlib.sha256(f"{intent}|{text}".encode()).hexdigest())
    found = [text, without_accents(text), _slip(text, source.SLIPS, rng)]
    if intent in WRAPPED:
        found.append(_wrap(text, rng.choice(source.POLITENESS)))
        # An opener only where the phrasing has none of its own ("hola, necesito hablar con…").
        opener = "" if "," in text else rng.choice(source.OPENERS)
        after = [courtesy for courtesy in source.POLITENESS if not courtesy[0]]  # one courtesy, at the end
        found.append(opener + _lower_first(_wrap(text, rng.choice(after))))
        found.append(without_accents(_slip(opener + _lower_first(text), source.SLIPS, rng)))
    else:
        found.append(f"{text[:1].upper()}{text[1:].rstrip('?!.')}!")
        found.append(f"{text} {rng.choice(EMOJIS[intent])}")
        found.append(_elongate(without_accents(text)))
    unique: list[str] = []
    for variant in found:
        variant = re.sub(r"\s+", " ", variant).strip()
        if variant and variant not in unique:
            unique.append(variant)
    return unique


def rows(language: str) -> list[dict[str, str]]:
    source = import_module(f"nlu_model.platform_intents.sources.{language}")
    assert set(source.PHRASINGS) == set(PLATFORM_INTENTS), f"{language}: every platform intent needs phrasings"
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for intent in PLATFORM_INTENTS:
        # Held back by a stable order (a hash) so adding a phrasing moves no other between splits.
        # The essential words ("stop", "baja", "quiero hablar con una persona") are always learnt.
        phrasings = sorted(dict.fromkeys(source.PHRASINGS[intent]),
                           key=lambda p: (p not in source.ESSENTIAL, hashlib.sha256(p.encode()).hexdigest()))
        essential = sum(p in source.ESSENTIAL for p in phrasings)
        for position, phrasing in enumerate(phrasings):
            held_back = position >= essential and (position - essential) % TEST_EVERY == TEST_EVERY - 1
            split = "test" if held_back else "train"
            group = f"{intent.removeprefix('platform.')}-{hashlib.sha256(phrasing.encode()).hexdigest()[:8]}"
            for text in variants(phrasing, intent, source):
                key = text.casefold()
                if key in seen:  # the same words under two intents or two phrasings: keep the first
                    continue
                seen.add(key)
                out.append({"text": text, "intent": intent, "lang": language, "split": split, "group": group})
    return out


def main() -> None:
    DATA_DIR.mkdir(exist_ok=True)
    for language in LANGUAGES:
        path: Path = DATA_DIR / f"{language}.jsonl"
        lines = [json.dumps(row, ensure_ascii=False) for row in rows(language)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path}: {len(lines)} phrasings")
    (DATA_DIR / SET_FILE).write_text(json.dumps({"version": digest_of_data()}) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
