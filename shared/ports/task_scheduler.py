"""Task scheduler port: named, delayed, cancellable work.

A task publishes ``payload`` (JSON) to ``topic`` at ``due_at``. Names make
scheduling idempotent: scheduling a name that is pending (or ran recently) is
refused, as Cloud Tasks refuses a duplicate task name. Delivery is at least
once; the consumer dedupes on the ``task_name`` attribute it receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

TASK_NAME_ATTRIBUTE = "task_name"


@dataclass(frozen=True)
class ScheduledTask:
    name: str
    topic: str
    payload: dict[str, Any]
    due_at: datetime


class TaskScheduler(Protocol):
    def schedule(self, task: ScheduledTask) -> bool:
        """Create the task; False if a task of that name already exists."""
        ...

    def cancel(self, name: str) -> bool:
        """Delete a pending task; False if there was none of that name."""
        ...

    def close(self) -> None: ...
