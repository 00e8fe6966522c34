"""Blob store on a Cloud Storage bucket (media attachments, exports, the console's files)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from shared.kernel.errors import ConfigurationError, InvalidInput, NotFound, PermanentError, TransientError

# Cloud Storage object names: 1..1024 bytes of UTF-8, no carriage return or line feed.
_MAX_KEY_BYTES = 1024


class CloudStorageBlobStore:
    def __init__(self, bucket: str, project: str, endpoint: str = "", client: Any = None) -> None:
        if not bucket:
            raise ConfigurationError("CloudStorageBlobStore needs a bucket name")
        self._bucket_name = bucket
        self._project = project
        self._endpoint = endpoint
        self._client = client
        self._bucket: Any = None
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        blob = self._blob(key)
        with _translated_errors(f"put {key!r}"):
            blob.upload_from_string(data, content_type=content_type)

    def get(self, key: str) -> bytes:
        blob = self._blob(key)
        with _translated_errors(f"get {key!r}"):
            return blob.download_as_bytes()

    def exists(self, key: str) -> bool:
        blob = self._blob(key)
        with _translated_errors(f"exists {key!r}"):
            return bool(blob.exists())

    def delete(self, key: str) -> None:
        blob = self._blob(key)
        try:
            with _translated_errors(f"delete {key!r}"):
                blob.delete()
        except NotFound:
            pass

    def close(self) -> None:
        with self._lock:
            if self._client is not None and hasattr(self._client, "close"):
                self._client.close()
            self._client = None
            self._bucket = None

    def _blob(self, key: str) -> Any:
        _check_key(key)
        return self._get_bucket().blob(key)

    def _get_bucket(self) -> Any:
        # Created on first use and reused: a warm function instance keeps its connection pool.
        with self._lock:
            if self._bucket is None:
                if self._client is None:
                    self._client = self._make_client()
                self._bucket = self._client.bucket(self._bucket_name)
            return self._bucket

    def _make_client(self) -> Any:
        from google.cloud import storage

        if self._endpoint:
            from google.auth.credentials import AnonymousCredentials

            return storage.Client(
                project=self._project,
                credentials=AnonymousCredentials(),
                client_options={"api_endpoint": self._endpoint},
            )
        return storage.Client(project=self._project)


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidInput("blob key must be a non-empty string")
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise InvalidInput(f"blob key is longer than {_MAX_KEY_BYTES} bytes")
    if "\r" in key or "\n" in key:
        raise InvalidInput(f"blob key {key!r} contains a line break")


@contextlib.contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    """Turn google / transport exceptions into the platform's errors."""
    from google.api_core import exceptions as gexc
    from google.auth.exceptions import DefaultCredentialsError, TransportError
    from google.cloud.storage.exceptions import DataCorruption
    from requests import RequestException

    where = f"cloud storage {action}"
    try:
        yield
    except gexc.NotFound as exc:
        raise NotFound(f"{where}: {exc.message}") from exc
    except (
        gexc.TooManyRequests,
        gexc.InternalServerError,
        gexc.ServiceUnavailable,
        gexc.GatewayTimeout,
        gexc.DeadlineExceeded,
        gexc.RetryError,
        DataCorruption,  # a checksum mismatch: the next transfer may be clean
        TransportError,
        RequestException,
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise TransientError(f"{where}: {exc}") from exc
    except (gexc.Forbidden, gexc.Unauthorized, DefaultCredentialsError) as exc:
        # Missing roles or credentials: retrying will not help, fixing the deployment will.
        raise ConfigurationError(f"{where}: access refused ({exc})") from exc
    except gexc.GoogleAPICallError as exc:
        raise PermanentError(f"{where}: {exc}") from exc
