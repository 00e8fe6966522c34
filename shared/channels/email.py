"""Emails as a channel: send_message hands ``kind: email`` outbound messages to the mailer."""

from __future__ import annotations

from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ReplyWindow
from shared.ports.mailer import Email, Mailer

CHANNEL = "email"


class MailerSender:
    """The ChannelSender of emails written by bots (send_email)."""

    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        return self._mailer.send(Email(message_id=message.message_id, to=message.recipient,
                                       subject=str(message.payload.get("subject", "")), body=message.text))

    def delivered(self, message_id: str) -> str | None:
        return None  # email has no window, so delivery never needs to ask
