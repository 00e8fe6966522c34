"""Secrets from Google Secret Manager (latest version of each secret).

Values are kept for a short time so a warm function instance does not call the
API on every request; a rotated secret is picked up once the entry expires.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.kernel.errors import ConfigurationError, NotFound, TransientError

if TYPE_CHECKING:
    from google.cloud import secretmanager

_SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_TIMEOUT_S = 10.0
# Bounded well below the client's default (60 s): a webhook waiting on a secret must still answer in time.
_RETRY_DEADLINE_S = 10.0


class SecretManagerSecrets:
    """``get(name)`` reads ``projects/{project}/secrets/{name}/versions/latest``."""

    def __init__(
        self,
        project: str,
        endpoint: str = "",
        client: secretmanager.SecretManagerServiceClient | None = None,
        *,
        ttl_s: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._project = project
        self._endpoint = endpoint
        self._client = client
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, float]] = {}

    def get(self, name: str) -> str:
        if not _SECRET_ID.match(name):
            raise NotFound(f"secret {name!r} not found: a secret id has 1-255 letters, digits, '-' or '_'")
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None and cached[1] > now:
            return cached[0]
        value = self._access(name)
        with self._lock:
            self._cache[name] = (value, now + self._ttl_s)
        return value

    def _access(self, name: str) -> str:
        import google_crc32c
        import requests
        from google.api_core import exceptions as api
        from google.api_core import retry as retries

        path = f"projects/{self._project}/secrets/{name}/versions/latest"
        retry = retries.Retry(
            initial=0.5,
            maximum=4.0,
            multiplier=2.0,
            predicate=retries.if_exception_type(api.ServiceUnavailable, api.TooManyRequests),
            timeout=_RETRY_DEADLINE_S,
        )
        try:
            response = self._secret_manager().access_secret_version(name=path, retry=retry, timeout=_TIMEOUT_S)
        except api.NotFound as exc:
            raise NotFound(f"secret {name!r} not found in project {self._project} ({exc.message})") from exc
        except api.BadRequest as exc:  # FAILED_PRECONDITION over REST: the latest version is disabled or destroyed
            raise NotFound(f"secret {name!r} cannot be read: {exc.message}") from exc
        except (api.Forbidden, api.Unauthorized) as exc:  # PermissionDenied over gRPC, 403 over REST
            raise ConfigurationError(
                f"access to secret {path} refused ({exc.message}): grant the function's service account"
                " roles/secretmanager.secretAccessor on it"
            ) from exc
        except (api.ServerError, api.TooManyRequests, api.DeadlineExceeded, api.RetryError) as exc:
            raise TransientError(f"Secret Manager failed reading {path}: {exc}") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise TransientError(f"Secret Manager unreachable reading {path}: {exc}") from exc
        data: bytes = response.payload.data
        if "data_crc32c" in response.payload:
            actual = google_crc32c.value(data)
            if actual != response.payload.data_crc32c:
                raise TransientError(
                    f"secret {path} arrived corrupted: CRC32C {actual} != {response.payload.data_crc32c}"
                )
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigurationError(f"secret {path} is not UTF-8 text") from None

    def _secret_manager(self) -> Any:
        with self._lock:
            if self._client is None:
                from google.cloud import secretmanager

                if self._endpoint:
                    from google.auth.credentials import AnonymousCredentials

                    self._client = secretmanager.SecretManagerServiceClient(
                        credentials=AnonymousCredentials(),
                        transport="rest",
                        client_options={"api_endpoint": self._endpoint},
                    )
                else:
                    self._client = secretmanager.SecretManagerServiceClient(transport="rest")
            return self._client
