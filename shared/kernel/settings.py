"""Frozen settings, read once from the environment at start-up and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shared.kernel.errors import ConfigurationError

Backend = Literal["embedded", "emulators", "gcp"]
BACKENDS: tuple[str, ...] = ("embedded", "emulators", "gcp")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BOTS_DIR = REPO_ROOT / "bots"
# Provider API bases are read from every variable named like WHATSAPP_API_BASE (Settings.api_bases).
API_BASE_SUFFIX = "_API_BASE"


@dataclass(frozen=True)
class Settings:
    backend: Backend = "embedded"
    data_dir: Path = Path(".charla")
    bots_dir: Path = DEFAULT_BOTS_DIR
    project: str = "demo-charla"
    # Cloud resources (gcp mode; some also in emulators mode).
    bigquery_dataset: str = "charla_history"
    bigquery_location: str = "US"
    tasks_location: str = "us-central1"
    tasks_queue: str = "charla-timers"
    tasks_service_account: str = ""
    blob_bucket: str = ""
    # Endpoint overrides: point a Google client at a local REST server (tests).
    bigquery_endpoint: str = ""
    tasks_endpoint: str = ""
    storage_endpoint: str = ""
    secrets_endpoint: str = ""
    pubsub_publish_base_url: str = "https://pubsub.googleapis.com"
    # Channel provider APIs pointed away from the real ones (the local stack and tests point them at
    # simulators), by environment variable: WHATSAPP_API_BASE → "http://127.0.0.1:8081". Each provider's
    # descriptor names its variable and its real API (shared/channels/providers.py, api_base_of).
    api_bases: Mapping[str, str] = field(default_factory=dict)
    twilio_account_sid: str = ""
    # The public URL Twilio signs (the webhook_twilio function's URL as configured at Twilio).
    twilio_webhook_url: str = ""
    # Media downloads (shared/channels/media_hosts.py holds each provider's documented media hosts):
    # "host:port" origins of local simulators, which may be plain http on loopback (the local stack and
    # tests only), and extra https hosts a provider serves media from, under the public-address rule.
    media_local_hosts: tuple[str, ...] = ()
    media_extra_hosts: tuple[str, ...] = ()
    # Conversation rules.
    session_timeout_s: int = 30 * 60
    max_body_bytes: int = 256 * 1024
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        backend = env.get("CHARLA_BACKEND", "embedded").strip().lower()
        if backend not in BACKENDS:
            raise ConfigurationError(f"CHARLA_BACKEND={backend!r}: expected one of {', '.join(BACKENDS)}")
        project = env.get("CHARLA_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT") or "demo-charla"
        if backend == "emulators":
            missing = [v for v in ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST") if not env.get(v)]
            if missing:
                raise ConfigurationError(f"CHARLA_BACKEND=emulators needs {' and '.join(missing)} set")
        if backend == "gcp" and not env.get("CHARLA_BLOB_BUCKET"):
            raise ConfigurationError("CHARLA_BACKEND=gcp needs CHARLA_BLOB_BUCKET")

        def number(name: str, default: int) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                return int(raw)
            except ValueError:
                raise ConfigurationError(f"{name}={raw!r}: expected a whole number") from None

        return cls(
            backend=backend,  # type: ignore[arg-type]
            data_dir=Path(env.get("CHARLA_DATA_DIR") or ".charla"),
            bots_dir=Path(env.get("CHARLA_BOTS_DIR") or DEFAULT_BOTS_DIR),
            project=project,
            bigquery_dataset=env.get("CHARLA_BIGQUERY_DATASET", "charla_history"),
            bigquery_location=env.get("CHARLA_BIGQUERY_LOCATION", "US"),
            tasks_location=env.get("CHARLA_TASKS_LOCATION", "us-central1"),
            tasks_queue=env.get("CHARLA_TASKS_QUEUE", "charla-timers"),
            tasks_service_account=env.get("CHARLA_TASKS_SERVICE_ACCOUNT", ""),
            blob_bucket=env.get("CHARLA_BLOB_BUCKET", ""),
            bigquery_endpoint=env.get("CHARLA_BIGQUERY_ENDPOINT", ""),
            tasks_endpoint=env.get("CHARLA_TASKS_ENDPOINT", ""),
            storage_endpoint=env.get("CHARLA_STORAGE_ENDPOINT", ""),
            secrets_endpoint=env.get("CHARLA_SECRETS_ENDPOINT", ""),
            pubsub_publish_base_url=env.get("CHARLA_PUBSUB_PUBLISH_BASE_URL", "https://pubsub.googleapis.com"),
            api_bases={name: _base_url(env, name) for name in sorted(env) if name.endswith(API_BASE_SUFFIX)
                       and env[name].strip()},
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_webhook_url=env.get("TWILIO_WEBHOOK_URL", ""),
            media_local_hosts=_host_list(env, "CHARLA_MEDIA_LOCAL_HOSTS", with_port=True),
            media_extra_hosts=_host_list(env, "CHARLA_MEDIA_EXTRA_HOSTS", with_port=False),
            session_timeout_s=number("CHARLA_SESSION_TIMEOUT_S", 30 * 60),
            max_body_bytes=number("CHARLA_MAX_BODY_BYTES", 256 * 1024),
        )


def _base_url(env: Mapping[str, str], name: str) -> str:
    value = env[name].strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigurationError(f"{name}={value!r}: expected an http(s) URL")
    return value


def _host_list(env: Mapping[str, str], name: str, *, with_port: bool) -> tuple[str, ...]:
    """A comma-separated list of host names ("host:port" each when ``with_port``), lower-cased."""
    hosts = tuple(h.strip().lower() for h in (env.get(name) or "").split(",") if h.strip())
    for host in hosts:
        name_part, _, port = host.rpartition(":") if with_port else (host, "", "")
        if not name_part or "/" in host or (with_port and not port.isdigit()):
            expected = "host:port entries (127.0.0.1:8081)" if with_port else "host names (cdn.example.com)"
            raise ConfigurationError(f"{name}={host!r}: expected comma-separated {expected}")
    return hosts
