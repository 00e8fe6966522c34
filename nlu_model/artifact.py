"""The model artifact: a folder of plain files, never a pickle.

    manifest.json     format version, model version, labels, feature settings, calibration
                      (threshold, temperature), metrics, training-data hash, library versions,
                      and the sha256 of each other file
    vocabulary.json   the word and character n-grams, in feature order, and the known words
    weights.npz       float32 idf per feature and the weight matrix as feature-major CSR
                      (int32 row pointers, uint16 class indices, float32 values), loaded with
                      allow_pickle=False

Reading checks every hash and every shape before anything is used, so a truncated, edited or
foreign folder is refused with a `ModelArtifactError` that says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "charla-nlu"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.json"
WEIGHTS = "weights.npz"
FILES = (MANIFEST, VOCABULARY, WEIGHTS)
_ARRAYS = ("idf", "weights_indptr", "weights_indices", "weights_data", "intercept")


class ModelArtifactError(ValueError):
    """The folder is not a complete, untouched model artifact this version can read."""


@dataclass(frozen=True)
class Artifact:
    manifest: dict[str, Any]
    word_terms: list[str]
    char_terms: list[str]
    known_words: list[str]
    idf: np.ndarray  # float32, word features then char features
    weights_indptr: np.ndarray  # int32, one row per feature + 1
    weights_indices: np.ndarray  # uint16, class of each stored weight
    weights_data: np.ndarray  # float32
    intercept: np.ndarray  # float32, one per label


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_artifact(out_dir: Path, artifact: Artifact) -> Path:
    """Write the folder; the manifest is written last, so a crash never leaves a loadable half."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (out_dir / name).unlink(missing_ok=True)
    vocabulary = {"word": artifact.word_terms, "char": artifact.char_terms, "known_words": artifact.known_words}
    (out_dir / VOCABULARY).write_text(json.dumps(vocabulary, ensure_ascii=False, separators=(",", ":")),
                                      encoding="utf-8")
    with (out_dir / WEIGHTS).open("wb") as handle:
        np.savez_compressed(handle, **{name: getattr(artifact, name) for name in _ARRAYS})
    files = {name: _sha256(out_dir / name) for name in (VOCABULARY, WEIGHTS)}
    version = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **artifact.manifest, "model_version": version,
                "files": files}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return out_dir


def read_manifest(model_dir: Path) -> dict[str, Any]:
    path = model_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtifactError(f"{model_dir}: not a model folder (no {MANIFEST})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelArtifactError(f"{path}: corrupt manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelArtifactError(f"{path}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelArtifactError(f"{path}: format version {manifest.get('format_version')!r} is not supported "
                                 f"(this code reads version {FORMAT_VERSION}); retrain the model")
    return manifest


def read_artifact(model_dir: Path) -> Artifact:
    manifest = read_manifest(model_dir)
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {VOCABULARY, WEIGHTS}:
        raise ModelArtifactError(f"{model_dir}: the manifest must list exactly {VOCABULARY} and {WEIGHTS}")
    for name, expected in files.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelArtifactError(f"{path}: missing")
        if _sha256(path) != expected:
            raise ModelArtifactError(f"{path}: sha256 does not match the manifest (tampered or corrupt)")
    try:
        vocabulary = json.loads((model_dir / VOCABULARY).read_text(encoding="utf-8"))
        with np.load(model_dir / WEIGHTS, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in _ARRAYS}
    except (ValueError, KeyError, OSError) as exc:
        raise ModelArtifactError(f"{model_dir}: unreadable model files ({exc})") from None
    artifact = Artifact(manifest, vocabulary.get("word", []), vocabulary.get("char", []),
                        vocabulary.get("known_words", []), **arrays)
    _check_shapes(model_dir, artifact)
    return artifact


def _check_shapes(model_dir: Path, a: Artifact) -> None:
    labels = a.manifest.get("labels")
    n_features = len(a.word_terms) + len(a.char_terms)
    problems = []
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        problems.append("labels must be a non-empty list of names")
        labels = []
    expected = {"idf": (np.float32, (n_features,)), "weights_indptr": (np.int32, (n_features + 1,)),
                "weights_indices": (np.uint16, a.weights_data.shape), "weights_data": (np.float32, None),
                "intercept": (np.float32, (len(labels),))}
    for name, (dtype, shape) in expected.items():
        array = getattr(a, name)
        if array.dtype != dtype or array.ndim != 1 or (shape is not None and array.shape != shape):
            wanted = f"{np.dtype(dtype)}{list(shape or [])}"
            problems.append(f"{name} has {array.dtype}{list(array.shape)}, expected {wanted}")
    if not problems:
        indptr = a.weights_indptr
        if indptr[0] != 0 or indptr[-1] != len(a.weights_data) or np.any(np.diff(indptr) < 0):
            problems.append("weights_indptr is not a valid row pointer")
        elif len(a.weights_indices) and int(a.weights_indices.max()) >= len(labels):
            problems.append("weights_indices point past the label list")
    if problems:
        raise ModelArtifactError(f"{model_dir}: inconsistent model files: {'; '.join(problems)}")
