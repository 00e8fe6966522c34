"""Media download port: fetch one customer's file from the provider that holds it, within a limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class MediaLimit:
    """What is kept of one kind of message's file."""

    max_bytes: int
    types: tuple[str, ...]  # accepted MIME types; "image/*" accepts the family


@dataclass(frozen=True)
class DownloadedMedia:
    content: bytes
    content_type: str  # the MIME type without parameters, lower case


class MediaRefused(Exception):
    """This file will never be stored; the reason is recorded on the message."""


class MediaDownloader(Protocol):
    def download(self, channel: str, account: str, media: Mapping[str, Any], limit: MediaLimit) -> DownloadedMedia:
        """The file a message's ``media`` (payload["media"]: a provider media id or url, maybe its
        mime_type) names, checked against ``limit`` while downloading. Raises MediaRefused when it will
        never be stored, TransientError when a later try may work."""
        ...
