"""The providers' customer-service windows: WhatsApp needs a template after 24 hours; Messenger and
Instagram let a human agent answer with the HUMAN_AGENT tag for 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.channels.windows import window_decision
from shared.messages.wire import OutboundMessage

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def message(channel: str, kind: str = "text", sender_type: str = "bot") -> OutboundMessage:
    return OutboundMessage(message_id="out_1", workspace_id="ws", conversation_id="cv", session_id="ss",
                           channel=channel, account="acc", recipient="c", kind=kind, text="hola",
                           created_at=NOW.isoformat(), sender_type=sender_type)


@pytest.mark.parametrize("channel", ["whatsapp", "twilio_whatsapp"])
def test_whatsapp_free_form_goes_inside_the_24_hours(channel):
    assert window_decision(message(channel), NOW - timedelta(hours=23, minutes=59), NOW).allowed


@pytest.mark.parametrize("channel", ["whatsapp", "twilio_whatsapp"])
def test_whatsapp_free_form_after_24_hours_is_refused_naming_the_template_rule(channel):
    decision = window_decision(message(channel), NOW - timedelta(hours=25), NOW)
    assert not decision.allowed
    assert "24-hour" in decision.reason and "template" in decision.reason and "25.0 hours" in decision.reason


def test_whatsapp_template_goes_at_any_time_even_to_a_contact_who_never_wrote():
    assert window_decision(message("whatsapp", kind="template"), None, NOW).allowed
    assert window_decision(message("whatsapp", kind="template"), NOW - timedelta(days=40), NOW).allowed


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_meta_messaging_inside_24_hours_needs_no_tag(channel):
    decision = window_decision(message(channel), NOW - timedelta(hours=2), NOW)
    assert decision.allowed and not decision.human_agent_tag


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_an_agent_reply_after_24_hours_carries_the_human_agent_tag_for_7_days(channel):
    decision = window_decision(message(channel, sender_type="agent"), NOW - timedelta(days=6), NOW)
    assert decision.allowed and decision.human_agent_tag
    late = window_decision(message(channel, sender_type="agent"), NOW - timedelta(days=7, hours=1), NOW)
    assert not late.allowed and "7 days" in late.reason


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_a_bot_reply_after_24_hours_is_refused(channel):
    decision = window_decision(message(channel), NOW - timedelta(hours=30), NOW)
    assert not decision.allowed and "human agent" in decision.reason


@pytest.mark.parametrize("channel", ["telegram", "twilio_sms", "webchat"])
def test_channels_without_windows_always_send(channel):
    assert window_decision(message(channel), NOW - timedelta(days=365), NOW).allowed
