"""The features the classifier sees: word n-grams and character n-grams of normalised text.

One implementation for training (handed to scikit-learn's TfidfVectorizer as its analyzer) and
for prediction (numpy only), so both sides always agree on every feature.
"""

from __future__ import annotations


def word_ngrams(text: str, max_n: int = 2) -> list[str]:
    """Words and runs of up to `max_n` consecutive words of an already normalised text."""
    words = text.split()
    grams = list(words)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return grams


def char_ngrams(text: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """Character n-grams inside each word padded with spaces, so word starts and ends are features
    and a typo or an unseen inflection still shares most n-grams with the known word."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(min_n, min(max_n, size) + 1):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams
