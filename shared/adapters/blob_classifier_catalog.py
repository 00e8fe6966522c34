"""Each published bot's intent model: trained from its triggers and the platform intents it keeps
(nlu_model.platform_intents: asking for a person, greeting, thanks, ...) at publish time, kept in the blob store
(Cloud Storage in the cloud, a folder under the data dir locally), loaded lazily by resolve_intent.

The model of a bot version lives at ``models/<workspace>/<bot>/<bot version>-<platform set version>/``;
its ``files.json`` is written last, so a half-uploaded model is never loaded. resolve_intent asks for the version it is
running, so a new version is picked up without a redeploy, and a warm instance keeps the loaded
model for its life (nlu_model caches per folder and version).
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Any

from shared.bots.definition import Bot
from shared.kernel.errors import NotFound
from shared.kernel.logs import log
from shared.ports.blob_store import BlobStore

MODELS_PREFIX = "models"
MANIFEST = "files.json"
MIN_INTENTS = 2  # a classifier needs at least two intents to choose between

# A model is a pure function of the bot version and the platform set: one process trains each once
# (a command-line test run publishes the same bot into many fresh workspaces).
_trained: dict[str, dict[str, bytes]] = {}
_trained_lock = threading.Lock()


def model_prefix(workspace_id: str, bot: Bot) -> str:
    return f"{MODELS_PREFIX}/{workspace_id}/{bot.id}/{model_version(bot)}"


def model_version(bot: Bot) -> str:
    """What the model is a function of: the bot version and the platform intents' shipped set."""
    from nlu_model.platform_intents import set_version  # cheap: json and hashlib only

    return f"{bot.source_hash}-{set_version()}"


def training_examples(bot: Bot) -> list[tuple[str, str]]:
    """The bot's own (trigger, intent) pairs; train_bot_model adds the platform intents it keeps."""
    return [(trigger, intent.name) for intent in bot.triggered_intents() for trigger in intent.triggers]


def needs_model(bot: Bot) -> bool:
    """Two intents of its own with triggers. A bot with fewer has no model (training costs seconds at
    publish time): its triggers and the engine's shipped phrases for the platform intents decide."""
    return len({intent for _, intent in training_examples(bot)}) >= MIN_INTENTS


class BotModelCatalog:
    def __init__(self, blobs: BlobStore, cache_dir: Path) -> None:
        self._blobs = blobs
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._missing: set[str] = set()

    def train_and_store(self, workspace_id: str, bot: Bot) -> str | None:
        """Train the bot's model and store it (before the bot itself is published); None if it needs none."""
        if not needs_model(bot):
            return None
        prefix = model_prefix(workspace_id, bot)
        if self._blobs.exists(f"{prefix}/{MANIFEST}"):
            return prefix  # this version was trained already
        files = _train(bot)
        for name, data in files.items():
            self._blobs.put(f"{prefix}/{name}", data)
        self._blobs.put(f"{prefix}/{MANIFEST}", json.dumps(sorted(files)).encode(), content_type="application/json")
        log("INFO", "bot model stored", workspace_id=workspace_id, bot_id=bot.id, version=model_version(bot))
        return prefix

    def for_bot(self, workspace_id: str, bot: Bot) -> Any | None:
        """The bot's IntentModel, or None when this version has no model (then triggers alone decide)."""
        prefix = model_prefix(workspace_id, bot)
        if prefix in self._missing:
            return None
        local = self._cache_dir / prefix
        with self._lock:
            if not (local / MANIFEST).exists():
                try:
                    names = json.loads(self._blobs.get(f"{prefix}/{MANIFEST}"))
                except NotFound:
                    self._missing.add(prefix)
                    return None
                staging = Path(tempfile.mkdtemp(dir=self._cache_dir.parent if self._cache_dir.parent.exists()
                                                else None))
                for name in names:
                    (staging / name).write_bytes(self._blobs.get(f"{prefix}/{name}"))
                (staging / MANIFEST).write_text(json.dumps(names))
                local.parent.mkdir(parents=True, exist_ok=True)
                staging.replace(local)
        from nlu_model.runtime import load_model

        return load_model(local)


def _train(bot: Bot) -> dict[str, bytes]:
    with _trained_lock:
        files = _trained.get(model_version(bot))
        if files is None:
            import nlu_model  # scikit-learn: only at publish time, never in resolve_intent's hot path

            with tempfile.TemporaryDirectory() as tmp:
                folder = nlu_model.train_bot_model(training_examples(bot), bot.language, Path(tmp) / "model",
                                                   platform_intents=bot.kept_platform_intents())
                files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
            _trained[model_version(bot)] = files
        return files
