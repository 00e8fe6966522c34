"""Labelled examples and the JSON Lines files that hold them: {"text", "intent", "lang"} a line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Example:
    text: str
    intent: str
    lang: str


def read_jsonl(path: Path) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                examples.append(Example(str(row["text"]), str(row["intent"]), str(row["lang"])))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: expected {{\"text\", \"intent\", \"lang\"}} ({exc})") from None
    return examples
