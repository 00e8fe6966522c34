"""run_timer's use cases: a menu's reminder or automatic resolution, once per task; a ticket's expiry."""

from __future__ import annotations

import json

from shared.bootstrap import Platform
from shared.bots.engine import BotPosition, TurnContext, handle_timer
from shared.conversations.handover import ASSIGNMENT_TIMERS, run_assignment_timer
from shared.conversations.store_names import CONVERSATIONS, PROCESSED
from shared.conversations.turns import TIMER_ACTIONS, TurnOrigin, stage_turn
from shared.domain.ids import safe_document_id
from shared.errors import InvalidInput
from shared.outbox import Outbox
from shared.ports.document_store import Transaction

FUNCTION = "run_timer"


def handle_conversation_timer(platform: Platform, data: bytes, task_name: str) -> bool:
    """True if the timer still applied and its turn was committed."""
    try:
        payload = json.loads(data)
        if isinstance(payload, dict) and payload.get("action") in ASSIGNMENT_TIMERS:
            return bool(run_assignment_timer(platform, payload).events)
        conversation_id, workspace_id = payload["conversation_id"], payload["workspace_id"]
        action, token = payload["action"], payload["token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"timer payload: {exc}") from None
    if action not in TIMER_ACTIONS:
        known = ", ".join((*TIMER_ACTIONS, *ASSIGNMENT_TIMERS))
        raise InvalidInput(f"timer action {action!r}; expected one of {known}")
    if not task_name:
        raise InvalidInput("timer without its task_name attribute")
    directory = platform.directory
    workspace = directory.workspace(workspace_id)
    bots = directory.workspace_bots(workspace_id)
    outbox = Outbox(platform.store, platform.bus, platform.clock, platform.scheduler)
    marker_id = safe_document_id(f"{FUNCTION}:{task_name}")

    def turn(tx: Transaction) -> bool:
        if tx.get(PROCESSED, marker_id) is not None:
            return False
        conversation = tx.get(CONVERSATIONS, conversation_id)
        if conversation is None:
            return False
        now = platform.clock.now()
        position = BotPosition.from_dict(conversation.get("bot"))
        bot = bots.get(position.bot_id or conversation["bot_id"]) or directory.bot(workspace_id, conversation["bot_id"])
        context = TurnContext(now=now, time_zone=workspace.time_zone, channel=conversation["channel"],
                              contact_name=conversation.get("contact_name", ""),
                              session_timeout_s=platform.settings.session_timeout_s, new_session_id="",
                              workspace_constants=workspace.constants)
        outcome = handle_timer(bot, position, action, token, context)
        origin = TurnOrigin(key=task_name, function=FUNCTION, conversation_id=conversation_id,
                            workspace_id=workspace_id, channel=conversation["channel"],
                            account=conversation["account"], contact=conversation["contact"])
        stage_turn(tx, outbox, origin, conversation, outcome, now)
        tx.set(PROCESSED, marker_id, {"at": now.isoformat(), "conversation_id": conversation_id})
        return True

    applied = platform.store.run_transaction(turn)
    outbox.flush(conversation_id)
    return applied
