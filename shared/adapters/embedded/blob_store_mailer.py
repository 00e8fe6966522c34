"""Emails as .eml files in the blob store (``mail/<id>.eml``: a folder under the data dir locally).

A relay that sends them through the workspace's provider reads the same files;
writing by message id keeps a redelivered send to one file.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from shared.conversations.store_names import mail_blob_key
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.mailer import Email


class BlobStoreMailer:
    def __init__(self, blobs: BlobStore, clock: Clock) -> None:
        self._blobs = blobs
        self._clock = clock

    def send(self, email: Email) -> str:
        key = mail_blob_key(email.message_id)
        if self._blobs.exists(key):
            return key
        message = EmailMessage()
        message["From"] = email.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = format_datetime(self._clock.now())
        message["Message-ID"] = make_msgid(idstring=email.message_id, domain="charla.invalid")
        message.set_content(email.body)
        self._blobs.put(key, bytes(message), content_type="message/rfc822")
        return key
