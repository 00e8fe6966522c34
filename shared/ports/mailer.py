"""Mailer port: the emails bot authors send with ``send_email``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Email:
    message_id: str  # stable: sending the same email twice keeps one copy
    to: str
    subject: str
    body: str
    sender: str = "Charla <no-reply@charla.invalid>"


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send (or queue) ``email``; returns where it went."""
        ...
