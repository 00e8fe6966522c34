"""A session's summary row in the warehouse's sessions table, written once, when the session ends.

The conversation keeps a running summary of its current session (``SESSION``): when it started, the
campaign that brought the customer, how many messages matched an intent or were not understood, and
what people did (queued, joined, first answered, closed the ticket, how). A session ends when the bot
closes it, when the customer's next message finds it timed out, or when its timer finds it idle; the
row is written then, by whichever comes first, and marked so it is written only once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.events import topics
from shared.events.outbox import OutboxEntry
from shared.messages.wire import HistoryRecord

if TYPE_CHECKING:
    from shared.conversations.model import Conversation

SESSION = "session"  # the conversation field holding the current session's running summary
SESSION_TIMEOUT = "session_timeout"  # the timer action that ends an idle session
BOT, AGENT, ABANDONED = "bot", "agent", "abandoned"


def _seconds(later: str, earlier: str) -> float | None:
    if not later or not earlier:
        return None
    return round((datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds(), 3)


def campaign_of(payload: dict[str, Any]) -> tuple[str, str]:
    """(campaign, subcampaign) from the referral that brought the customer (an ad, a link's ref, a deep
    link): the link's ref names the campaign and the ad its subcampaign; an ad alone is the campaign."""
    referral = payload.get("referral") if isinstance(payload.get("referral"), dict) else {}
    ref, ad = str(referral.get("ref") or ""), str(referral.get("source_id") or "")
    return (ref, ad) if ref else (ad, "")


def started(session_id: str, at: str, payload: dict[str, Any], language: str = "") -> dict[str, Any]:
    campaign, subcampaign = campaign_of(payload)
    return {"session_id": session_id, "started_at": at, "intents_matched": 0, "not_understood": 0,
            "campaign": campaign, "subcampaign": subcampaign, "language": language, "recorded": False}


def count_turn(summary: dict[str, Any], event_types: list[str]) -> None:
    summary["intents_matched"] = summary.get("intents_matched", 0) + event_types.count("intent_matched")
    summary["not_understood"] = summary.get("not_understood", 0) + event_types.count("not_understood")


def handled_by(summary: dict[str, Any]) -> str:
    if summary.get("agent_joined_at"):
        return AGENT
    return ABANDONED if summary.get("ticket_id") else BOT


def session_row(conversation: Conversation, summary: dict[str, Any], ended_at: str,
                position: dict[str, Any] | None = None) -> HistoryRecord:
    """The row of ``summary``'s session; the bot's variables (a CSAT answer) are read from ``position``, the
    conversation's own by default."""
    first_reply = summary.get("first_agent_reply_at", "")
    variables = ((conversation.bot if position is None else position) or {}).get("variables") or {}
    csat = variables.get("csat")
    return HistoryRecord(table="sessions", row={
        "session_id": summary["session_id"], "workspace_id": conversation.workspace_id,
        "conversation_id": conversation.id, "channel": conversation.channel,
        "started_at": summary["started_at"], "ended_at": ended_at,
        "duration_s": _seconds(ended_at, summary["started_at"]), "handled_by": handled_by(summary),
        "intents_matched": summary.get("intents_matched", 0), "not_understood": summary.get("not_understood", 0),
        "contact_id": conversation.contact_id or None, "language": summary.get("language") or None,
        "campaign": summary.get("campaign") or None, "subcampaign": summary.get("subcampaign") or None,
        "ticket_id": summary.get("ticket_id") or None, "queue": summary.get("queue") or None,
        "agent_id": summary.get("agent_id") or None, "queued_at": summary.get("queued_at") or None,
        "agent_joined_at": summary.get("agent_joined_at") or None,
        "first_response_from_queue_s": _seconds(first_reply, summary.get("queued_at", "")),
        "first_response_from_agent_s": _seconds(first_reply, summary.get("agent_joined_at", "")),
        "resolved_by": summary.get("resolved_by") or None, "resolution": summary.get("resolution") or None,
        "typification": summary.get("typification") or None,
        "csat": int(csat) if isinstance(csat, int | float | str) and str(csat).isdigit() and 1 <= int(csat) <= 5
        else None,
    })


def finish(conversation: Conversation, ended_at: str, position: dict[str, Any] | None = None) -> list[OutboxEntry]:
    """The outbox entry of the current session's row, once (the summary is marked recorded); [] when there is
    none or it was written. ``position``: the bot's, when the turn that ends the session has moved it."""
    summary = conversation.session
    if not summary or summary.get("recorded") or not summary.get("session_id"):
        return []
    summary["recorded"] = True
    record = session_row(conversation, summary, ended_at, position)
    return [OutboxEntry(key=f"{topics.HISTORY}:sessions:{summary['session_id']}", topic=topics.HISTORY,
                        data=record.to_json())]


def timeout_timer(conversation_id: str, workspace_id: str, session_id: str, due: datetime,
                  attempt: int = 0) -> OutboxEntry:
    """The timer that ends the session if it is idle then (it looks again later if it is not)."""
    payload = {"action": SESSION_TIMEOUT, "conversation_id": conversation_id, "workspace_id": workspace_id,
               "session_id": session_id, "attempt": attempt}
    name = f"session-{conversation_id}-{session_id}-{attempt}"
    return OutboxEntry(key=f"timer:{name}", topic=topics.TIMERS, data=json.dumps(payload).encode(),
                       task_name=name, due_at=due.isoformat())


def idle_until(conversation: Conversation, timeout_s: int) -> datetime | None:
    """When the current session times out, None if it has no activity recorded."""
    last = (conversation.bot or {}).get("last_activity_at")
    return datetime.fromisoformat(last) + timedelta(seconds=timeout_s) if last else None
