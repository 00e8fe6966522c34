"""Intent classification with out-of-scope detection for Spanish, English and Portuguese bots.

Public API (imports are lazy: importing the package loads neither numpy nor scikit-learn):

    normalise(text, lang) -> str
    detect_language(text, candidates=("es", "en", "pt")) -> str
    train_bot_model(examples, lang, out_dir) -> Path          # scikit-learn, at publish time
    train_dataset_model(train, out_dir, val=None) -> Path     # scikit-learn, CLI and benchmark
    load_model(path) -> IntentModel                           # numpy only, cached per path+version
    IntentModel.predict(text) -> Prediction(intent | None, confidence, language, ranking)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlu_model.artifact import ModelArtifactError
    from nlu_model.data import Example, read_jsonl
    from nlu_model.langid import detect_language
    from nlu_model.runtime import IntentModel, Prediction, load_model
    from nlu_model.text import normalise
    from nlu_model.training import train_bot_model, train_dataset_model

_EXPORTS = {
    "normalise": "nlu_model.text",
    "detect_language": "nlu_model.langid",
    "IntentModel": "nlu_model.runtime",
    "Prediction": "nlu_model.runtime",
    "load_model": "nlu_model.runtime",
    "ModelArtifactError": "nlu_model.artifact",
    "Example": "nlu_model.data",
    "read_jsonl": "nlu_model.data",
    "train_bot_model": "nlu_model.training",
    "train_dataset_model": "nlu_model.training",
}

__all__ = ["Example", "IntentModel", "ModelArtifactError", "Prediction", "detect_language", "load_model",
           "normalise", "read_jsonl", "train_bot_model", "train_dataset_model"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nlu_model' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
