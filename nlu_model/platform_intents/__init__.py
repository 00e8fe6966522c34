"""The platform intents every bot has without writing them, and the labelled set they are trained from.

Seven intents, in Spanish, English and Portuguese: asking for a person, greeting, thanks, goodbye, yes,
no and opting out ("stop", "baja", "sair"). Their phrasings ship with the project in
``data/<language>.jsonl`` (one ``{"text", "intent", "lang", "split", "group"}`` object a line; a group is
one hand-written phrasing and the variants build.py made of it), written for
Charla: politeness, typos and missing accents, regional forms, short and long messages, asks inside
longer sentences. About a fifth of each intent is held back (``split: "test"``) and only ever used to
measure the set (tests/nlu and benchmarks/nlu.py); bot models train on ``split: "train"``.

Importing this module is cheap (no numpy, no scikit-learn): the bot engine reads the names from here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HUMAN = "platform.human"
GREETING = "platform.greeting"
THANKS = "platform.thanks"
GOODBYE = "platform.goodbye"
YES = "platform.yes"
NO = "platform.no"
OPT_OUT = "platform.opt_out"

PLATFORM_INTENTS: tuple[str, ...] = (HUMAN, GREETING, THANKS, GOODBYE, YES, NO, OPT_OUT)
LANGUAGES: tuple[str, ...] = ("es", "en", "pt")
SPLITS: tuple[str, ...] = ("train", "test")
DATA_DIR = Path(__file__).resolve().parent / "data"
SET_FILE = "set.json"


def is_platform_intent(name: str) -> bool:
    return name in PLATFORM_INTENTS


@dataclass(frozen=True)
class PlatformPhrasing:
    text: str
    intent: str
    group: str  # the hand-written phrasing this one is a variant of: training keeps a group in one fold
    split: str


@cache
def _rows(language: str) -> tuple[PlatformPhrasing, ...]:
    """One language's file, in file order."""
    if language not in LANGUAGES:
        raise ValueError(f"no platform phrasings for language {language!r}; expected one of {', '.join(LANGUAGES)}")
    rows = []
    with (DATA_DIR / f"{language}.jsonl").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["intent"] not in PLATFORM_INTENTS or row["split"] not in SPLITS or row["lang"] != language:
                raise ValueError(f"{DATA_DIR / f'{language}.jsonl'}:{number}: unexpected row {row}")
            rows.append(PlatformPhrasing(row["text"], row["intent"], row["group"], row["split"]))
    return tuple(rows)


def platform_examples(language: str, split: str = "train") -> list[PlatformPhrasing]:
    """The rows of `language` in `split`, with the group each belongs to."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return [row for row in _rows(language) if row.split == split]


def platform_phrasings(language: str, split: str = "train") -> list[tuple[str, str]]:
    """The (text, intent) pairs of the platform intents in `language` ("es", "en", "pt") for `split`
    ("train": what bot models learn from; "test": the held-back part that measures the set)."""
    return [(row.text, row.intent) for row in platform_examples(language, split)]


@cache
def set_version() -> str:
    """The shipped set's version (a digest of the data files, written by build.py into data/set.json):
    a model trained with another set is another model, so the bot model catalog keys stored models by it
    and a bot version published before a set change is trained again. Read from a small file, not
    hashed here: resolve_intent asks for it on its cold start."""
    return json.loads((DATA_DIR / SET_FILE).read_text(encoding="utf-8"))["version"]


def digest_of_data() -> str:
    """What set_version() should say of the data files as they are (build.py writes it; a test compares)."""
    digest = hashlib.sha256()
    for language in LANGUAGES:
        digest.update((DATA_DIR / f"{language}.jsonl").read_bytes())
    return digest.hexdigest()[:10]
