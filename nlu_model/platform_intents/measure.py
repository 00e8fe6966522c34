"""How well the platform intents are understood: a model trained on the set's train split, as a bot gets it
(train_bot_model with no intents of its own), scored on the held-back test split it never saw.

Used by tests/nlu/test_platform_intents.py and benchmarks/nlu.py. Trains with scikit-learn.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from nlu_model.data import Example
from nlu_model.evaluate import evaluate
from nlu_model.platform_intents import PLATFORM_INTENTS, platform_phrasings
from nlu_model.training import train_bot_model


def held_back_metrics(language: str) -> dict:
    """nlu_model.evaluate's metrics on the test split: `in_scope_top1` is the share whose best intent is
    right (the set's accuracy: it has no out-of-scope messages), `in_scope_accuracy` the share a bot would
    act on (its threshold applied: a rejected message counts as wrong), plus training time and size."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        model_dir = train_bot_model([], language, Path(tmp) / "model", platform_intents=PLATFORM_INTENTS)
        train_seconds = time.perf_counter() - started
        test = [Example(text, intent, language) for text, intent in platform_phrasings(language, "test")]
        metrics = evaluate(model_dir, test)
    return {**metrics, "train_examples": len(platform_phrasings(language, "train")),
            "train_seconds": round(train_seconds, 2)}
