"""Out-of-scope calibration: from held-out predictions to a confidence map and a threshold.

The out-of-scope score of a message is its standardised winning score, minus the learnt `oos`
label's score when the data has one, minus a penalty for content words never seen in training
(`runtime.oos_scores`). A logistic fit maps it to a confidence, the chance that the top intent is
right. The threshold is the highest confidence that rejects at most `max_accuracy_drop` of the
held-out in-scope messages the model got right: a budget of in-scope accuracy spent on catching
out-of-scope messages, which needs no out-of-scope examples (a bot has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from nlu_model.runtime import OOS_LABEL, oos_scores

# Below this many labels a per-message standardisation of scores is too coarse (two labels give
# +1/-1 whatever the message): raw margins are used instead.
STANDARDISE_FROM_LABELS = 8
UNSEEN_PENALTY = 0.5  # in standard deviations of the held-out out-of-scope score
UNSEEN_LIMIT_FLOOR, UNSEEN_LIMIT_CAP = 0.5, 0.99


@dataclass
class Calibration:
    threshold: float
    temperature: float
    unseen_penalty: float
    slope: float
    offset: float
    standardise: bool
    unseen_limit: float
    metrics: dict = field(default_factory=dict)


def _oos_score(labels: list[str], scores: np.ndarray, unseen: np.ndarray, penalty: float,
               standardise: bool) -> tuple[np.ndarray, np.ndarray]:
    in_scope = np.array([label != OOS_LABEL for label in labels])
    oos_index = labels.index(OOS_LABEL) if OOS_LABEL in labels else None
    return oos_scores(scores, in_scope, oos_index, unseen, penalty, standardise)


def calibrate(labels: list[str], scores: np.ndarray, truth: Sequence[str], unseen: np.ndarray,
              max_accuracy_drop: float, cross_validated: bool = False) -> Calibration:
    """Threshold, confidence map and ranking temperature from held-out scores (rows: messages)."""
    standardise = sum(label != OOS_LABEL for label in labels) >= STANDARDISE_FROM_LABELS
    truth = np.array(truth)
    in_scope = truth != OOS_LABEL
    _, base = _oos_score(labels, scores, unseen, 0.0, standardise)
    penalty = UNSEEN_PENALTY * float(np.std(base)) if len(base) > 1 else 0.0
    best, score = _oos_score(labels, scores, unseen, penalty, standardise)
    predicted = np.array(labels)[best]
    correct = in_scope & (predicted == truth)
    slope, offset = _logistic_fit(score, correct)
    confidence = 1.0 / (1.0 + np.exp(-(slope * score + offset)))
    allowed = round(max_accuracy_drop * in_scope.sum())
    # Bots (cross-validation on triggers, no out-of-scope examples): half the budget may go to messages
    # made mostly of words never seen in training, and one whose every content word is new is rejected
    # whatever that costs in the folds, which overstate new words (the final model knows them all); such
    # a message gives the classifier nothing but function words. With a validation file the unseen share
    # only lowers the score: a separate limit did not pay on CLINC150 (same in-scope cost, less recall).
    if cross_validated:
        shares = np.sort(unseen[correct])[::-1]
        candidate = float(shares[allowed // 2]) if allowed // 2 < len(shares) else 1.0
        soft_limit = max(UNSEEN_LIMIT_FLOOR, candidate)
        unseen_limit = min(soft_limit, UNSEEN_LIMIT_CAP)
        spent = int((correct & (unseen > soft_limit)).sum())
    else:
        unseen_limit, spent = 1.0, 0
    right = np.sort(confidence[correct & (unseen <= unseen_limit)])
    remaining = allowed - spent
    if not len(right) or remaining < 0:
        threshold = 0.0  # nothing to spend: accept whatever the model prefers
    elif remaining < len(right):
        threshold = float(right[remaining])
    else:
        threshold = 1.0
    accepted = (confidence >= threshold) & (unseen <= unseen_limit)
    final = np.where(accepted, predicted, OOS_LABEL)
    metrics = {
        "held_out_examples": len(truth),
        "in_scope_accuracy_without_threshold": round(float(correct[in_scope].mean()), 4) if in_scope.any() else None,
        "in_scope_accuracy": round(float((final[in_scope] == truth[in_scope]).mean()), 4) if in_scope.any() else None,
        "oos_recall": round(float((final[~in_scope] == OOS_LABEL).mean()), 4) if (~in_scope).any() else None,
    }
    temperature = _temperature(scores, truth, labels)
    return Calibration(threshold, temperature, penalty, slope, offset, standardise, unseen_limit, metrics)


def _logistic_fit(score: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Platt scaling of the out-of-scope score into the chance that the top intent is right."""
    if correct.all() or not correct.any():
        spread = float(np.std(score)) or 1.0
        return 4.0 / spread, -4.0 * float(np.median(score)) / spread + (2.0 if correct.all() else -2.0)
    model = LogisticRegression(C=100.0).fit(score.reshape(-1, 1), correct.astype(int))
    slope, offset = float(model.coef_[0, 0]), float(model.intercept_[0])
    if slope <= 0:  # the score carries no signal here; keep the map increasing so the threshold stays meaningful
        spread = float(np.std(score)) or 1.0
        return 1.0 / spread, -float(np.median(score)) / spread
    return slope, offset


def _temperature(scores: np.ndarray, truth: np.ndarray, labels: list[str]) -> float:
    """Softmax temperature of the ranking that best predicts the true in-scope labels (least log loss)."""
    index = {label: i for i, label in enumerate(labels)}
    rows = [i for i, t in enumerate(truth) if t != OOS_LABEL and t in index]
    if not rows:
        return 1.0
    in_scope = np.array([label != OOS_LABEL for label in labels])
    s = np.where(in_scope[None, :], scores[rows], -np.inf)
    target = np.array([index[truth[i]] for i in rows])
    best_t, best_loss = 1.0, np.inf
    for t in np.geomspace(0.01, 10, 40):
        z = s / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[np.arange(len(rows)), target] - np.log(np.exp(z).sum(axis=1))
        loss = -float(log_p.mean())
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


