"""How Twilio addresses the two channels it serves: WhatsApp users as ``whatsapp:+E164``, SMS
users as plain ``+E164``; inbound parsing and outbound rendering both need it."""

from __future__ import annotations

TWILIO_SMS = "twilio_sms"
TWILIO_WHATSAPP = "twilio_whatsapp"
CHANNELS = (TWILIO_SMS, TWILIO_WHATSAPP)
WHATSAPP_PREFIX = "whatsapp:"


def strip_channel(address: str) -> str:
    return address[len(WHATSAPP_PREFIX):] if address.startswith(WHATSAPP_PREFIX) else address
