"""Training with scikit-learn, exported to the plain artifact the runtime reads.

The model: tf-idf (sublinear tf) of word 1-2-grams and character 1-5-grams of normalised text, one
linear model over both blocks (a Crammer-Singer SVM on large data, logistic regression on a bot's few
triggers), weights pruned and stored sparse. The out-of-scope threshold and the confidence map are
chosen on held-out predictions (see calibration.py): from the validation file when there is one,
else from stratified cross-validation (the bot case).
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from nlu_model.artifact import Artifact, write_artifact
from nlu_model.calibration import Calibration, calibrate
from nlu_model.data import Example
from nlu_model.features import char_ngrams, word_ngrams
from nlu_model.platform_intents import PLATFORM_INTENTS, platform_examples
from nlu_model.runtime import OOS_LABEL, unseen_share
from nlu_model.text import LANGUAGES, normalise

WORD_MAX_N = 2
CHAR_MIN_N, CHAR_MAX_N = 1, 5
CHAR_WEIGHT = 1.0
SVM_C = 0.5
LOGISTIC_C = 10.0
SMALL_DATA = 2000
# Weights this small change no prediction measurably but would double the artifact.
PRUNE_BELOW = 0.01
DATASET_ACCURACY_DROP = 0.004
BOT_ACCURACY_DROP = 0.03
CV_FOLDS = 5
# A bot model learns each platform phrasing with its first variants (as written, without accents, one
# slip): the rest add little that character n-grams do not already give, and each row costs training
# time at every publish (the whole set trains a bot about twice as slowly for under a point of accuracy).
PLATFORM_VARIANTS_PER_PHRASING = 3
SEED = 13


@dataclass
class Fitted:
    word_vectorizer: TfidfVectorizer
    char_vectorizer: TfidfVectorizer
    labels: list[str]
    weights: sparse.csr_matrix  # features x labels, float32, pruned
    intercept: np.ndarray
    known_words: frozenset[str]
    classifier: str = ""

    def matrix(self, normalised: Sequence[str]) -> sparse.csr_matrix:
        words = self.word_vectorizer.transform(normalised)
        chars = self.char_vectorizer.transform(normalised) * CHAR_WEIGHT
        return sparse.hstack([words, chars], format="csr", dtype=np.float32)

    def scores(self, normalised: Sequence[str]) -> np.ndarray:
        return (self.matrix(normalised) @ self.weights).toarray().astype(np.float64) + self.intercept

    def unseen(self, normalised: Sequence[str]) -> np.ndarray:
        return np.array([unseen_share(text, self.known_words) for text in normalised])


def _progress(iterable, total: int | None = None, desc: str = "", enabled: bool = True):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="ex", leave=False, disable=None, mininterval=0.5)


def normalise_examples(examples: Sequence[Example], progress: bool = False) -> list[str]:
    return [normalise(e.text, e.lang) for e in _progress(examples, len(examples), "normalising", progress)]


def _word_analyzer(text: str) -> list[str]:
    return word_ngrams(text, WORD_MAX_N)


def _char_analyzer(text: str) -> list[str]:
    return char_ngrams(text, CHAR_MIN_N, CHAR_MAX_N)


def make_classifier(n_examples: int, with_platform_intents: bool = False) -> LinearSVC | LogisticRegression:
    """Few examples (a bot's triggers): logistic regression generalises better (+1 to 2 points at 10
    per intent on BANKING77 and Taís); many examples: the Crammer-Singer SVM is more accurate and faster.
    A bot's triggers with the platform phrasings (a thousand rows, 20-odd labels): a one-vs-rest linear
    SVM, ten times faster to train than logistic regression there (a second instead of ten, at every
    publish) with the same held-back accuracy on the platform set and fewer out-of-scope messages taken."""
    if with_platform_intents:
        return LinearSVC(C=SVM_C, max_iter=5000, random_state=SEED)
    if n_examples < SMALL_DATA:
        return LogisticRegression(C=LOGISTIC_C, max_iter=3000)
    return LinearSVC(C=SVM_C, multi_class="crammer_singer", max_iter=5000, random_state=SEED)


def fit(normalised: Sequence[str], intents: Sequence[str], with_platform_intents: bool = False) -> Fitted:
    """Vectorisers and the linear SVM; weights pruned and stored feature-major, as the runtime reads them."""
    word_vectorizer = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, dtype=np.float32)
    char_vectorizer = TfidfVectorizer(analyzer=_char_analyzer, sublinear_tf=True, dtype=np.float32)
    words = word_vectorizer.fit_transform(normalised)
    chars = char_vectorizer.fit_transform(normalised) * CHAR_WEIGHT
    matrix = sparse.hstack([words, chars], format="csr", dtype=np.float32)
    labels = sorted(set(intents))
    if len(labels) < 2:
        raise ValueError("training needs at least two intents")
    svm = make_classifier(len(normalised), with_platform_intents)
    svm.fit(matrix, list(intents))
    coef, intercept = svm.coef_, svm.intercept_
    if coef.shape[0] == 1:  # two labels: scikit-learn keeps one row, scores are +s for the second, -s for the first
        coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    assert list(svm.classes_) == labels
    coef = np.where(np.abs(coef) >= PRUNE_BELOW, coef, 0.0).astype(np.float32)
    known = frozenset(w for text, intent in zip(normalised, intents, strict=True) if intent != OOS_LABEL
                      for w in text.split())
    return Fitted(word_vectorizer, char_vectorizer, labels, sparse.csr_matrix(coef.T),
                  np.asarray(intercept, dtype=np.float64), known, f"{type(svm).__name__} {svm.get_params()['C']}")


def cross_validated(normalised: Sequence[str], intents: Sequence[str], folds: int = CV_FOLDS,
                    progress: bool = False, groups: Sequence[str] | None = None,
                    with_platform_intents: bool = False) -> tuple[np.ndarray, np.ndarray, list[str], list[int]]:
    """Held-out scores of every example whose intent stays in its training fold: (scores over all
    labels, unseen-word shares, labels, example indices). Folds are stratified per intent. Examples
    of one group (variants of one phrasing: a typo, a courtesy added) share a fold, so a fold is never
    scored on near copies of what it trained on; without groups every example is its own."""
    labels = sorted(set(intents))
    group_of = list(groups) if groups is not None else [str(i) for i in range(len(intents))]
    by_intent: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for i, intent in enumerate(intents):
        by_intent[intent].setdefault(group_of[i], []).append(i)
    rng = random.Random(SEED)
    fold_of = np.zeros(len(intents), dtype=int)
    start = 0
    for intent in sorted(by_intent):
        members = list(by_intent[intent].values())
        rng.shuffle(members)
        for j, group in enumerate(members):
            fold_of[group] = (start + j) % folds  # rotate so small intents do not all land in fold 0
        start += len(members)
    all_scores = np.zeros((len(intents), len(labels)))
    unseen = np.zeros(len(intents))
    kept: list[int] = []
    for k in _progress(range(folds), folds, "cross-validation", progress):
        train = [i for i in range(len(intents)) if fold_of[i] != k]
        train_labels = {intents[i] for i in train}
        test = [i for i in range(len(intents)) if fold_of[i] == k and intents[i] in train_labels]
        if not test or len(train_labels) < 2:
            continue
        fitted = fit([normalised[i] for i in train], [intents[i] for i in train], with_platform_intents)
        scores = fitted.scores([normalised[i] for i in test])
        columns = [labels.index(label) for label in fitted.labels]
        floor = scores.min(axis=1, keepdims=True)  # a label missing from this fold scores as the worst one
        all_scores[np.ix_(test, range(len(labels)))] = floor
        all_scores[np.ix_(test, columns)] = scores
        unseen[test] = fitted.unseen([normalised[i] for i in test])
        kept.extend(test)
    kept.sort()
    return all_scores[kept], unseen[kept], labels, kept


def _data_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(json.dumps([e.text, e.intent, e.lang], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _libraries() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "scikit-learn"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def _export(fitted: Fitted, calibration: Calibration, examples: Sequence[Example], out_dir: Path,
            extra_metrics: dict, source: str) -> Path:
    languages = Counter(e.lang for e in examples)
    counts = Counter(e.intent for e in examples)
    weights = fitted.weights.tocsr()
    weights.sort_indices()
    word_terms = [t for t, _ in sorted(fitted.word_vectorizer.vocabulary_.items(), key=lambda kv: kv[1])]
    char_terms = [t for t, _ in sorted(fitted.char_vectorizer.vocabulary_.items(), key=lambda kv: kv[1])]
    idf = np.concatenate([fitted.word_vectorizer.idf_, fitted.char_vectorizer.idf_]).astype(np.float32)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "language": languages.most_common(1)[0][0],
        "languages": sorted(languages),
        "labels": fitted.labels,
        "examples_per_label": {label: counts[label] for label in fitted.labels},
        "features": {"word_max_n": WORD_MAX_N, "char_min_n": CHAR_MIN_N, "char_max_n": CHAR_MAX_N,
                     "char_weight": CHAR_WEIGHT, "tf": "sublinear", "norm": "l2 per block"},
        "classifier": {"kind": fitted.classifier, "prune_below": PRUNE_BELOW},
        "calibration": {"threshold": calibration.threshold, "temperature": calibration.temperature,
                        "unseen_penalty": calibration.unseen_penalty, "slope": calibration.slope,
                        "offset": calibration.offset, "standardise": calibration.standardise,
                        "unseen_limit": calibration.unseen_limit},
        "metrics": {**calibration.metrics, **extra_metrics},
        "training_data_sha256": _data_hash(examples),
        "libraries": _libraries(),
    }
    artifact = Artifact(manifest=manifest, word_terms=word_terms, char_terms=char_terms,
                        known_words=sorted(fitted.known_words), idf=idf,
                        weights_indptr=weights.indptr.astype(np.int32),
                        weights_indices=weights.indices.astype(np.uint16),
                        weights_data=weights.data.astype(np.float32),
                        intercept=fitted.intercept.astype(np.float32))
    return write_artifact(out_dir, artifact)


def _check_languages(examples: Sequence[Example]) -> None:
    unknown = sorted({e.lang for e in examples} - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unsupported language(s) {', '.join(unknown)}; expected {', '.join(LANGUAGES)}")


def train_dataset_model(train: Sequence[Example], out_dir: Path, val: Sequence[Example] | None = None,
                        max_accuracy_drop: float = DATASET_ACCURACY_DROP, progress: bool = True) -> Path:
    """Train on `train`; choose the threshold on `val` (or by cross-validation on `train` without one)."""
    _check_languages([*train, *(val or [])])
    started = time.perf_counter()
    normalised = normalise_examples(train, progress)
    intents = [e.intent for e in train]
    if val:
        fitted = fit(normalised, intents)
        val_normalised = normalise_examples(val, progress)
        known = [i for i, e in enumerate(val) if e.intent in fitted.labels or e.intent == OOS_LABEL]
        held_norm = [val_normalised[i] for i in known]
        calibration = calibrate(fitted.labels, fitted.scores(held_norm), [val[i].intent for i in known],
                                fitted.unseen(held_norm), max_accuracy_drop)
        source = "dataset; threshold chosen on the validation file"
    else:
        scores, unseen, labels, kept = cross_validated(normalised, intents, progress=progress)
        fitted = fit(normalised, intents)
        calibration = calibrate(labels, scores, [intents[i] for i in kept], unseen, max_accuracy_drop,
                                cross_validated=True)
        source = "dataset; threshold chosen by cross-validation"
    extra = {"train_examples": len(train), "train_seconds": round(time.perf_counter() - started, 2),
             "max_accuracy_drop": max_accuracy_drop}
    return _export(fitted, calibration, train, out_dir, extra, source)


def train_bot_model(examples: list[tuple[str, str]], lang: str, out_dir: Path,
                    max_accuracy_drop: float = BOT_ACCURACY_DROP, platform_intents: Sequence[str] = ()) -> Path:
    """Train on a bot's triggers, (text, intent) pairs in the bot's language, together with the shipped
    phrasings of the `platform_intents` it keeps ("platform.human", ...; nlu_model.platform_intents) so a
    prediction can name one; the threshold comes from cross-validation on all of them. An intent the bot
    defines itself under a platform name is trained from its own triggers alone. Returns the artifact folder."""
    rows, groups = bot_training_rows(examples, lang, platform_intents)
    _check_languages(rows)
    started = time.perf_counter()
    normalised = normalise_examples(rows)
    intents = [e.intent for e in rows]
    with_platform = len(rows) > len(examples)
    scores, unseen, labels, kept = cross_validated(normalised, intents, groups=groups,
                                                   with_platform_intents=with_platform)
    fitted = fit(normalised, intents, with_platform)
    calibration = calibrate(labels, scores, [intents[i] for i in kept], unseen, max_accuracy_drop,
                                cross_validated=True)
    extra = {"train_examples": len(rows), "train_seconds": round(time.perf_counter() - started, 2),
             "max_accuracy_drop": max_accuracy_drop, "bot_examples": len(examples),
             "platform_intents": sorted({e.intent for e in rows[len(examples):]})}
    return _export(fitted, calibration, rows, out_dir, extra, "bot triggers; threshold by cross-validation")


def bot_training_rows(examples: Sequence[tuple[str, str]], lang: str, platform_intents: Sequence[str] = (),
                      ) -> tuple[list[Example], list[str]]:
    """The bot's own examples first, then the platform phrasings of the intents it keeps and does not
    define itself, less those worded as one of the bot's triggers (the bot's words mean the bot's intent:
    a shop whose "saludo" says "buenas noches" keeps it); with each row's cross-validation group (a
    trigger is its own; a platform phrasing's variants share one)."""
    rows = [Example(text, intent, lang) for text, intent in examples]
    groups = [f"bot-{i}" for i in range(len(rows))]
    own = {intent for _, intent in examples}
    unknown = sorted(set(platform_intents) - set(PLATFORM_INTENTS))
    if unknown:
        raise ValueError(f"unknown platform intent(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(PLATFORM_INTENTS)}")
    kept = set(platform_intents) - own
    taken: Counter[str] = Counter()
    triggers = {normalise(text, lang) for text, _ in examples}
    for phrasing in platform_examples(lang, "train"):
        if phrasing.intent in kept and taken[phrasing.group] < PLATFORM_VARIANTS_PER_PHRASING \
                and normalise(phrasing.text, lang) not in triggers:
            taken[phrasing.group] += 1
            rows.append(Example(phrasing.text, phrasing.intent, lang))
            groups.append(phrasing.group)
    return rows, groups
