"""The predict path: numpy and the standard library only (importing scikit-learn costs about a second
of cold start), reading the plain artifact written by training.

A message is scored as the trained linear model would score it: the same normalisation and n-gram
analyzers, sublinear tf-idf with the stored idf, l2 norm per feature block, then weights x features.
Out of scope is decided on one number, the *confidence* (see `score_to_confidence`), against the
threshold chosen at training.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from nlu_model.artifact import MANIFEST, Artifact, ModelArtifactError, read_artifact, read_manifest
from nlu_model.features import char_ngrams, word_ngrams
from nlu_model.langid import detect_language, stop_words
from nlu_model.text import LANGUAGES, NUMBER_TOKEN, normalise

OOS_LABEL = "oos"
RANKING_SIZE = 5


@dataclass(frozen=True)
class Prediction:
    intent: str | None  # None: out of scope, the message goes to the not-understood chain
    confidence: float  # calibrated chance that the top intent is right, 0..1
    language: str
    ranking: list[tuple[str, float]]  # nearest intents, best first, with softmax probabilities


def score_to_confidence(oos_score: float, slope: float, offset: float) -> float:
    """Logistic map of the out-of-scope score, fitted at training on held-out predictions."""
    z = slope * oos_score + offset
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def unseen_share(normalised: str, known_words: frozenset[str]) -> float:
    """Share of the message's content words (function words and numbers aside) never seen in training:
    "quiero comprar un auto usado" to a shop bot is three unknown words of four, whatever the SVM says."""
    words = normalised.split()
    if not words:
        return 1.0
    ignored = stop_words()
    content = [w for w in words if w not in ignored and w != NUMBER_TOKEN] or words
    return sum(w not in known_words for w in content) / len(content)


def oos_scores(scores: np.ndarray, in_scope: np.ndarray, oos_index: int | None, unseen: np.ndarray,
               unseen_penalty: float, standardise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(index of the best in-scope label, out-of-scope score) for each row of raw linear scores.

    Scores are standardised per message, so the distance of the winner from the crowd, not the raw
    margin, decides (`standardise`, for models with enough labels); the learnt `oos` label (when the
    data had one) and the share of words never seen in training pull the score down.
    Training calibrates on this very function, so the threshold means the same in both places."""
    if standardise:
        z = (scores - scores.mean(axis=1, keepdims=True)) / (scores.std(axis=1, keepdims=True) + 1e-6)
    else:
        z = scores
    masked = np.where(in_scope[None, :], z, -np.inf)
    best = masked.argmax(axis=1)
    top = masked[np.arange(len(z)), best]
    against = z[:, oos_index] if oos_index is not None else 0.0
    return best, top - against - unseen_penalty * unseen


class IntentModel:
    """A loaded model; thread-safe and read-only, shared by every request of a warm instance."""

    def __init__(self, artifact: Artifact, path: Path) -> None:
        manifest = artifact.manifest
        self.path = path
        self.version: str = manifest["model_version"]
        self.labels: list[str] = list(manifest["labels"])
        self.language: str = manifest["language"]
        features = manifest["features"]
        self._word_max_n = int(features["word_max_n"])
        self._char_min_n, self._char_max_n = int(features["char_min_n"]), int(features["char_max_n"])
        self._char_weight = float(features["char_weight"])
        calibration = manifest["calibration"]
        self.threshold = float(calibration["threshold"])
        self._temperature = float(calibration["temperature"])
        self._unseen_penalty = float(calibration["unseen_penalty"])
        self._slope, self._offset = float(calibration["slope"]), float(calibration["offset"])
        self._standardise = bool(calibration["standardise"])
        self.unseen_limit = float(calibration["unseen_limit"])
        self.metrics: dict = manifest.get("metrics", {})
        self._word_index = {term: i for i, term in enumerate(artifact.word_terms)}
        offset = len(artifact.word_terms)
        self._char_index = {term: offset + i for i, term in enumerate(artifact.char_terms)}
        self._known_words = frozenset(artifact.known_words)
        self._idf = artifact.idf
        self._indptr = artifact.weights_indptr.astype(np.int64)
        self._indices = artifact.weights_indices.astype(np.intp)
        self._data = artifact.weights_data
        self._intercept = artifact.intercept.astype(np.float64)
        self._oos_index = self.labels.index(OOS_LABEL) if OOS_LABEL in self.labels else None
        self._in_scope = np.array([label != OOS_LABEL for label in self.labels])
        self._in_scope_ids = np.flatnonzero(self._in_scope)
        self._in_scope_labels = [self.labels[i] for i in self._in_scope_ids]
        if not self._in_scope.any():
            raise ModelArtifactError(f"{path}: the model knows no in-scope intent")
        self._candidates = (self.language, *[lang for lang in LANGUAGES if lang != self.language])

    def raw_scores(self, normalised: str) -> np.ndarray:
        """Linear scores of every label for an already normalised text."""
        words = Counter(map(self._word_index.get, word_ngrams(normalised, self._word_max_n)))
        words.pop(None, None)
        chars = Counter(map(self._char_index.get, char_ngrams(normalised, self._char_min_n, self._char_max_n)))
        chars.pop(None, None)
        scores = self._intercept.copy()
        n_words, n = len(words), len(words) + len(chars)
        if not n:
            return scores
        ids = np.fromiter(chain(words, chars), np.intp, n)
        values = (1.0 + np.log(np.fromiter(chain(words.values(), chars.values()), np.float64, n))) * self._idf[ids]
        # Sublinear tf-idf, then the l2 norm of each block apart, as the two vectorisers did in training.
        squares = values * values
        word_norm, char_norm = math.sqrt(squares[:n_words].sum()), math.sqrt(squares[n_words:].sum())
        if word_norm:
            values[:n_words] /= word_norm
        if char_norm:
            values[n_words:] *= self._char_weight / char_norm
        starts = self._indptr[ids]
        lengths = self._indptr[ids + 1] - starts
        total = int(lengths.sum())
        if total:
            # Positions of every stored weight of the message's features, without a Python loop.
            positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            scores += np.bincount(self._indices[positions], weights=self._data[positions] * np.repeat(values, lengths),
                                  minlength=len(self.labels))
        return scores

    def unseen_share(self, normalised: str) -> float:
        return unseen_share(normalised, self._known_words)

    def predict(self, text: str, language: str | None = None) -> Prediction:
        """The intent of `text`, or None when it matches no intent well enough.

        `language` skips detection (the engine passes it when the conversation's language is known)."""
        lang = language or detect_language(text, self._candidates)
        normalised = normalise(text, lang)
        scores = self.raw_scores(normalised)
        unseen = self.unseen_share(normalised)
        # The one-message form of `oos_scores` (which training uses on whole matrices): a handful of
        # numpy calls instead of a dozen keeps the predict path well under a millisecond.
        in_scope = scores[self._in_scope_ids]
        best = int(in_scope.argmax())
        if self._standardise:
            mean, std = float(scores.mean()), float(scores.std()) + 1e-6
            oos = (float(in_scope[best]) - mean) / std
            if self._oos_index is not None:
                oos -= (float(scores[self._oos_index]) - mean) / std
        else:
            oos = float(in_scope[best]) - (float(scores[self._oos_index]) if self._oos_index is not None else 0.0)
        confidence = score_to_confidence(oos - self._unseen_penalty * unseen, self._slope, self._offset)
        logits = (in_scope - in_scope[best]) / self._temperature
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)[:RANKING_SIZE]
        ranking = [(self._in_scope_labels[i], round(float(probabilities[i]), 4)) for i in order.tolist()]
        understood = confidence >= self.threshold and unseen <= self.unseen_limit
        intent = self._in_scope_labels[best] if normalised and understood else None
        return Prediction(intent, round(confidence, 4), lang, ranking)


# folder -> ((manifest mtime, size), model): a cache hit costs one stat, not a manifest parse.
_cache: dict[str, tuple[tuple[int, int], IntentModel]] = {}
_lock = threading.Lock()


def load_model(path: Path) -> IntentModel:
    """The model in `path`, loaded once per folder and model version for the life of the process.

    A retrained model written to the same folder (a new manifest, a new version) is loaded afresh.
    Raises ModelArtifactError for anything that is not an intact artifact."""
    folder = Path(path).resolve()
    try:
        stat = (folder / MANIFEST).stat()
    except FileNotFoundError:
        raise ModelArtifactError(f"{folder}: not a model folder (no {MANIFEST})") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(str(folder))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        cached = _cache.get(str(folder))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        version = read_manifest(folder).get("model_version")
        model = cached[1] if cached is not None and cached[1].version == version else load_model_uncached(folder)
        _cache[str(folder)] = (stamp, model)
        return model


def load_model_uncached(path: Path) -> IntentModel:
    folder = Path(path)
    try:
        return IntentModel(read_artifact(folder), folder)
    except (KeyError, TypeError) as exc:
        raise ModelArtifactError(f"{folder}: manifest lacks a required setting ({exc})") from None
