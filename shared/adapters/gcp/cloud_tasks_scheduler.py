"""Task scheduler on Cloud Tasks: each task is an HTTP task that publishes to Pub/Sub.

At ``due_at`` Cloud Tasks calls Pub/Sub's REST ``topics.publish`` with an OAuth
token of ``service_account_email`` (which needs ``roles/pubsub.publisher`` on the
topic, and the Cloud Tasks service agent needs ``iam.serviceAccounts.actAs`` on
it). The message carries the task name in the ``task_name`` attribute; Cloud
Tasks retries a failed publish, so consumers dedupe on that attribute.

Task ids only allow ``[A-Za-z0-9_-]`` and 500 characters. Other names are mapped
to a readable prefix plus the SHA-256 of the full name: deterministic, so
scheduling the same name twice still hits Cloud Tasks' duplicate check, and
``cancel`` finds the task again. Cloud Tasks also refuses a name deleted or run
within about the last hour.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from shared.kernel.errors import (
    AlreadyExists,
    ConfigurationError,
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
)
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE, ScheduledTask

PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub"
MAX_TASK_ID_LENGTH = 500
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_-]")
_HASH_SUFFIX_LENGTH = 1 + 64  # "-" + sha256 hex


def task_id_for(name: str) -> str:
    """The Cloud Tasks task id used for a scheduler task ``name`` (deterministic)."""
    if _SAFE_ID.fullmatch(name) and len(name) <= MAX_TASK_ID_LENGTH:
        return name
    prefix = _UNSAFE_CHAR.sub("_", name)[: MAX_TASK_ID_LENGTH - _HASH_SUFFIX_LENGTH]
    return f"{prefix}-{hashlib.sha256(name.encode('utf-8')).hexdigest()}"


class CloudTasksScheduler:
    def __init__(
        self,
        project: str,
        location: str,
        queue: str,
        service_account_email: str,
        pubsub_base_url: str = "https://pubsub.googleapis.com",
        endpoint: str = "",
        client: Any = None,
    ) -> None:
        if not (project and location and queue):
            raise ConfigurationError("CloudTasksScheduler needs a project, a location and a queue")
        if not service_account_email:
            raise ConfigurationError("CloudTasksScheduler needs the service account that publishes to Pub/Sub")
        self._project = project
        self._queue_path = f"projects/{project}/locations/{location}/queues/{queue}"
        self._service_account_email = service_account_email
        self._pubsub_base_url = pubsub_base_url.rstrip("/")
        self._endpoint = endpoint
        self._client = client
        self._lock = threading.Lock()

    @property
    def queue_path(self) -> str:
        return self._queue_path

    def task_path(self, name: str) -> str:
        return f"{self._queue_path}/tasks/{task_id_for(name)}"

    def schedule(self, task: ScheduledTask) -> bool:
        from google.cloud import tasks_v2
        from google.protobuf import timestamp_pb2

        _check_task(task)
        schedule_time = timestamp_pb2.Timestamp()
        schedule_time.FromDatetime(task.due_at)
        cloud_task = tasks_v2.Task(
            name=self.task_path(task.name),
            schedule_time=schedule_time,
            http_request=tasks_v2.HttpRequest(
                url=f"{self._pubsub_base_url}/v1/projects/{self._project}/topics/{task.topic}:publish",
                http_method=tasks_v2.HttpMethod.POST,
                headers={"Content-Type": "application/json"},
                body=_publish_body(task),
                oauth_token=tasks_v2.OAuthToken(service_account_email=self._service_account_email, scope=PUBSUB_SCOPE),
            ),
        )
        client = self._get_client()
        try:
            with _translated_errors(f"create task {task.name!r}"):
                client.create_task(parent=self._queue_path, task=cloud_task)
        except AlreadyExists:
            return False
        except NotFound as exc:
            raise PermanentError(f"cloud tasks queue {self._queue_path} does not exist: {exc}") from exc
        return True

    def cancel(self, name: str) -> bool:
        if not name:
            raise InvalidInput("task name must be a non-empty string")
        client = self._get_client()
        try:
            with _translated_errors(f"delete task {name!r}"):
                client.delete_task(name=self.task_path(name))
        except NotFound:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            transport = getattr(self._client, "transport", None)
            if transport is not None and hasattr(transport, "close"):
                transport.close()
            self._client = None

    def _get_client(self) -> Any:
        # Created on first use and reused by every later call of a warm instance.
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        from google.cloud import tasks_v2

        if self._endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return tasks_v2.CloudTasksClient(
                transport="rest",
                client_options=ClientOptions(api_endpoint=self._endpoint),
                credentials=AnonymousCredentials(),
            )
        return tasks_v2.CloudTasksClient()


def _check_task(task: ScheduledTask) -> None:
    if not task.name:
        raise InvalidInput("task name must be a non-empty string")
    if not task.topic:
        raise InvalidInput(f"task {task.name!r} has no topic")
    if not isinstance(task.due_at, datetime) or task.due_at.tzinfo is None:
        raise InvalidInput(f"task {task.name!r}: due_at must be a timezone-aware datetime")


def _publish_body(task: ScheduledTask) -> bytes:
    """The JSON body of Pub/Sub's ``topics.publish`` carrying the task's payload."""
    try:
        payload = json.dumps(task.payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"task {task.name!r}: payload is not JSON: {exc}") from None
    message = {
        "data": base64.b64encode(payload.encode("utf-8")).decode("ascii"),
        "attributes": {TASK_NAME_ATTRIBUTE: task.name},
    }
    return json.dumps({"messages": [message]}, separators=(",", ":")).encode("utf-8")


@contextlib.contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    """Turn google / transport exceptions into the platform's errors."""
    from google.api_core import exceptions as gexc
    from google.auth.exceptions import DefaultCredentialsError, TransportError
    from requests import RequestException

    where = f"cloud tasks {action}"
    try:
        yield
    except gexc.AlreadyExists as exc:
        raise AlreadyExists(f"{where}: {exc.message}") from exc
    except gexc.NotFound as exc:
        raise NotFound(f"{where}: {exc.message}") from exc
    except gexc.Conflict as exc:
        # Over REST every 409 arrives as Conflict; only the status tells ALREADY_EXISTS from ABORTED.
        if isinstance(exc, gexc.Aborted) or _rest_status(exc) == "ABORTED":
            raise TransientError(f"{where}: {exc}") from exc
        raise AlreadyExists(f"{where}: {exc.message}") from exc
    except (
        gexc.TooManyRequests,
        gexc.ResourceExhausted,
        gexc.InternalServerError,
        gexc.ServiceUnavailable,
        gexc.GatewayTimeout,
        gexc.DeadlineExceeded,
        gexc.RetryError,
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


def _rest_status(exc: Any) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(response.json()["error"]["status"])
    except Exception:
        return ""
