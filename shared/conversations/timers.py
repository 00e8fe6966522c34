"""run_timer's use cases: a menu's reminder or automatic resolution, once per task; a ticket's expiry."""

from __future__ import annotations

import json
from datetime import timedelta

from shared.bots.elements.menu import TIMER_ACTIONS
from shared.bots.engine import BotPosition, TurnContext, handle_timer
from shared.conversations import sessions
from shared.conversations.handover import ASSIGNMENT_TIMERS, run_assignment_timer
from shared.conversations.model import Conversation
from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.conversations.turns import TurnOrigin, stage_turn
from shared.events.outbox import SWEEP_ACTION, Outbox
from shared.kernel.errors import InvalidInput
from shared.ports.context import ConversationPorts
from shared.ports.document_store import Transaction

FUNCTION = "run_timer"


def handle_conversation_timer(ports: ConversationPorts, data: bytes, task_name: str) -> bool:
    """True if the timer still applied and its turn was committed."""
    try:
        payload = json.loads(data)
        if isinstance(payload, dict) and payload.get("action") in ASSIGNMENT_TIMERS:
            return bool(run_assignment_timer(ports, payload).events)
        if isinstance(payload, dict) and payload.get("action") == sessions.SESSION_TIMEOUT:
            return end_idle_session(ports, payload)
        if isinstance(payload, dict) and payload.get("action") == SWEEP_ACTION:
            return Outbox(ports.store, ports.bus, ports.clock, ports.scheduler).sweep() > 0
        conversation_id, workspace_id = payload["conversation_id"], payload["workspace_id"]
        action, token = payload["action"], payload["token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"timer payload: {exc}") from None
    if action not in TIMER_ACTIONS:
        known = ", ".join((*TIMER_ACTIONS, *ASSIGNMENT_TIMERS, sessions.SESSION_TIMEOUT, SWEEP_ACTION))
        raise InvalidInput(f"timer action {action!r}; expected one of {known}")
    if not task_name:
        raise InvalidInput("timer without its task_name attribute")
    directory = ports.directory
    workspace = directory.workspace(workspace_id)
    bots = directory.workspace_bots(workspace_id)
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)
    marker = marker_id(FUNCTION, task_name)

    def turn(tx: Transaction) -> bool:
        if already_processed(tx, marker):
            return False
        conversation = Conversation.read(tx, conversation_id)
        if conversation is None:
            return False
        now = ports.clock.now()
        position = BotPosition.from_dict(conversation.bot)
        bot = bots.get(position.bot_id or conversation.bot_id) or directory.bot(workspace_id, conversation.bot_id)
        context = TurnContext(now=now, time_zone=workspace.time_zone, channel=conversation.channel,
                              contact_name=conversation.contact_name or "",
                              session_timeout_s=ports.settings.session_timeout_s, new_session_id="",
                              workspace_constants=workspace.constants)
        outcome = handle_timer(bot, position, action, token, context)
        origin = TurnOrigin(key=task_name, function=FUNCTION, conversation_id=conversation_id,
                            workspace_id=workspace_id, channel=conversation.channel,
                            account=conversation.account, contact=conversation.contact)
        stage_turn(tx, outbox, origin, conversation, outcome, now,
                   session_timeout_s=ports.settings.session_timeout_s)
        mark_processed(tx, marker, conversation_id, now)
        return True

    applied = ports.store.run_transaction(turn)
    outbox.flush(conversation_id)
    return applied


def end_idle_session(ports: ConversationPorts, payload: dict) -> bool:
    """The session timer: the session's row if it has been idle for the timeout (and nobody holds the chat);
    otherwise a timer for when it could be. True when the row was staged."""
    conversation_id, session_id = payload["conversation_id"], payload["session_id"]
    timeout_s = ports.settings.session_timeout_s
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)

    def check(tx: Transaction) -> bool:
        conversation = Conversation.read(tx, conversation_id)
        summary = (conversation.session if conversation else None) or {}
        if conversation is None or summary.get("session_id") != session_id or summary.get("recorded"):
            return False  # a later session, or its row is written: nothing to do
        now = ports.clock.now()
        until = sessions.idle_until(conversation, timeout_s) or now
        if conversation.held_by_people or until > now:
            due = max(until, now + timedelta(seconds=timeout_s if conversation.held_by_people else 1))
            outbox.stage(tx, conversation_id, [sessions.timeout_timer(
                conversation_id, payload["workspace_id"], session_id, due, int(payload.get("attempt", 0)) + 1)])
            return False
        last = (conversation.bot or {}).get("last_activity_at") or now.isoformat()
        entries = sessions.finish(conversation, last)
        conversation.save(tx)
        outbox.stage(tx, conversation_id, entries)
        return True

    recorded = ports.store.run_transaction(check)
    outbox.flush(conversation_id)
    return recorded
