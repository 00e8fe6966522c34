"""Metrics of a trained model on a labelled JSON Lines file (predicting one message at a time)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlu_model.artifact import FILES
from nlu_model.data import Example
from nlu_model.runtime import OOS_LABEL, load_model_uncached

LATENCY_REPEATS = 3


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over every label present in the truth or the predictions (`oos` is one of them)."""
    labels = sorted(set(truth) | set(predicted))
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def evaluate(model_dir: Path, examples: Sequence[Example]) -> dict:
    started = time.perf_counter()
    model = load_model_uncached(model_dir)
    load_ms = (time.perf_counter() - started) * 1000
    model.predict("warm up")  # first call builds lazy tables (language profiles)
    predicted, top, latencies = [], [], []
    for example in examples:
        # Each message is timed three times and its median kept: on a shared machine a single timing
        # mostly measures the neighbours.
        timings = []
        for _ in range(LATENCY_REPEATS):
            t0 = time.perf_counter()
            prediction = model.predict(example.text)
            timings.append((time.perf_counter() - t0) * 1000)
        latencies.append(sorted(timings)[LATENCY_REPEATS // 2])
        predicted.append(prediction.intent or OOS_LABEL)
        top.append(prediction.ranking[0][0] if prediction.ranking else OOS_LABEL)
    truth = [e.intent for e in examples]
    in_scope = [i for i, t in enumerate(truth) if t != OOS_LABEL]
    oos = [i for i, t in enumerate(truth) if t == OOS_LABEL]
    return {
        "examples": len(examples),
        "accuracy": _share(truth, predicted, range(len(truth))),
        "in_scope_accuracy": _share(truth, predicted, in_scope),
        # Closed-set accuracy, as most papers report it: the best intent, whatever the threshold says.
        "in_scope_top1": _share(truth, top, in_scope),
        "oos_recall": _share(truth, predicted, oos),
        "in_scope_rejected": round(sum(predicted[i] == OOS_LABEL for i in in_scope) / len(in_scope), 4)
        if in_scope else None,
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "p50_ms": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 3) if latencies else None,
        "model_bytes": sum((model_dir / name).stat().st_size for name in FILES),
        "load_ms": round(load_ms, 1),
        "model_version": model.version,
    }


def _share(truth: Sequence[str], predicted: Sequence[str], rows: Sequence[int]) -> float | None:
    rows = list(rows)
    return round(sum(truth[i] == predicted[i] for i in rows) / len(rows), 4) if rows else None
