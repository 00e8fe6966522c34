"""resolve_intent's use case: answer one inbound message, exactly once.

One transaction reads the conversation and the message's processed marker,
runs the bot engine, and writes the new state, the message log, the marker
and the outbox (replies, history, hand-offs, emails, timers) together.
Redelivered messages find the marker and only flush what the outbox still holds.

Author webhooks are called before the transaction, on a snapshot, and their
answers replayed inside it: an HTTP call never holds the store's lock, and a
transaction retry does not call the author's API again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nlu_model.langid import detect_language
from shared.agents.model import CANCELLED, TICKETS, Ticket
from shared.bots.definition import Bot
from shared.bots.engine import (
    BotPosition,
    TurnContext,
    TurnOutcome,
    bot_in_charge,
    said_keyword,
    session_is_live,
    take_turn,
)
from shared.bots.limits import LANGUAGES
from shared.bots.matching import match_trigger
from shared.bots.platform_intents import OPTED_OUT_EVENT
from shared.channels.provider_events import SILENT_KINDS
from shared.contacts import ContactBook
from shared.conversations.handover import CUSTOMER, agent_desk
from shared.conversations.model import Conversation, log_entry
from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.conversations.silent import record_without_turn
from shared.conversations.store_names import CONVERSATIONS, PROCESSED, messages_collection
from shared.conversations.turns import TurnOrigin, stage_turn
from shared.events import topics
from shared.events.outbox import Outbox
from shared.history.records import inbound_message_record
from shared.kernel.errors import InvalidInput, NotFound
from shared.kernel.logs import log
from shared.messages.ids import stable_hash
from shared.messages.wire import InboundMessage
from shared.ports.context import BotTurnPorts
from shared.ports.document_store import Transaction
from shared.ports.webhook_caller import WebhookCaller, WebhookFailed, WebhookRequest, WebhookResponse

FUNCTION = "resolve_intent"
OPT_OUT_SOURCE = "customer asked the bot to stop"
__all__ = ["CONVERSATIONS", "PROCESSED", "ResolveResult", "messages_collection", "resolve_inbound_message"]


@dataclass(frozen=True)
class ResolveResult:
    handled: bool  # False: a redelivery of a message already answered
    replies: int
    published: int


class _RecordingCaller:
    def __init__(self, live: WebhookCaller) -> None:
        self.live = live
        self.answers: dict[str, WebhookResponse | WebhookFailed] = {}

    def call(self, request: WebhookRequest) -> WebhookResponse:
        answer = self.answers.get(request.key)
        if answer is None:
            try:
                answer = self.live.call(request)
            except WebhookFailed as exc:
                answer = exc
            self.answers[request.key] = answer
        if isinstance(answer, WebhookFailed):
            raise answer
        return answer


def detected_language(bot: Bot, text: str) -> str:
    """The message's language; the bot's own comes first, so it wins ties and evidence-free messages."""
    return detect_language(text, candidates=(bot.language, *(x for x in LANGUAGES if x != bot.language)))


def _language_branch(bot: Bot, text: str, flow_bots: list[Bot], understands: Callable[[Bot, str], bool]) -> Bot:
    """At a session's start, the flow manager's bot that speaks the customer's language, if the channel's
    own bot does not. Short messages fool language detection ("holis como va" reads as Portuguese), so
    the other bot must also understand the message."""
    language = detected_language(bot, text)
    if language == bot.language:
        return bot
    return next((other for other in flow_bots if other.language == language and understands(other, text)), bot)


def engine_text(message: InboundMessage) -> str:
    """What the bot reads: a tapped button answers with the id we sent with it (the option's title, or
    its number when the title did not fit the provider's id), whatever label the channel showed."""
    if message.kind == "button" and message.payload.get("id"):
        return str(message.payload["id"])
    return message.text


def resolve_inbound_message(ports: BotTurnPorts, message: InboundMessage) -> ResolveResult:
    if message.kind in SILENT_KINDS:
        handled = record_without_turn(ports, message)
        return ResolveResult(handled=handled, replies=0, published=0)
    directory = ports.directory
    workspace = directory.workspace(message.workspace_id)
    bots = directory.workspace_bots(message.workspace_id)
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)
    marker = marker_id(FUNCTION, message.message_id)
    conversation_id = message.conversation_id
    webhooks = _RecordingCaller(ports.webhooks)

    def run_engine(conversation: Conversation, now: datetime) -> tuple[Bot, TurnOutcome]:
        position = BotPosition.from_dict(conversation.bot)
        in_charge = bot_in_charge(position, now, ports.settings.session_timeout_s)
        bot = bots.get(in_charge) or directory.bot(message.workspace_id, message.bot_id)
        if not session_is_live(position, now, ports.settings.session_timeout_s):
            bot = _language_branch(bot, message.text, [bots[b] for b in workspace.expertise_bots if b in bots],
                                   understands)
        context = TurnContext(
            now=now, time_zone=workspace.time_zone, channel=message.channel,
            contact_name=message.contact_name or conversation.contact_name or "",
            session_timeout_s=ports.settings.session_timeout_s,
            new_session_id=f"ss_{stable_hash(conversation_id, message.message_id)}",
            webhooks=webhooks, classifier=ports.classifiers.for_bot(message.workspace_id, bot),
            other_bots=bots.get, workspace_constants=workspace.constants, channel_bot_id=message.bot_id,
            expertise_bots=tuple(bots[b] for b in workspace.expertise_bots if b in bots and b != bot.id),
        )
        return bot, take_turn(bot, position, engine_text(message), context)

    def understands(other: Bot, text: str) -> bool:
        if match_trigger(other, text) is not None:
            return True
        model = ports.classifiers.for_bot(message.workspace_id, other)
        return model is not None and model.predict(text).intent is not None

    snapshot = Conversation.read(ports.store, conversation_id)
    contact_id = (snapshot.contact_id if snapshot else "") or _contact_of(ports, message)
    if snapshot and snapshot.held_by_people and not _leaves_the_line(ports, message, snapshot):
        return _for_the_agents(ports, message, marker)
    if any(b.uses_webhooks for b in bots.values()):
        run_engine(copy.deepcopy(snapshot) if snapshot else Conversation.start(message, ports.clock.now()),
                   ports.clock.now())

    opted_out: list[str] = []  # channels the customer asked to hear nothing more on, this turn

    def turn(tx: Transaction) -> int | None:
        opted_out.clear()  # a retried transaction runs the turn afresh
        if already_processed(tx, marker):
            return None
        now = ports.clock.now()
        conversation = Conversation.read(tx, conversation_id) or Conversation.start(message, now)
        if conversation.held_by_people:
            raise _TicketOpened  # people took the conversation since the snapshot
        bot, outcome = run_engine(conversation, now)
        matched = next((e for e in outcome.events if e.type == "intent_matched"), None)
        opted_out.extend(e.detail["channel"] for e in outcome.events if e.type == OPTED_OUT_EVENT)
        language = detected_language(bot, message.text)
        inbound_record = inbound_message_record(message, outcome.position.session_id,
                                                matched.intent if matched else "",
                                                matched.detail.get("confidence") if matched else None, language)
        log_entry(tx, conversation_id, message.message_id, conversation.record_inbound(
            message, session_id=outcome.position.session_id, language=language, contact_id=contact_id))
        origin = TurnOrigin(key=message.message_id, function=FUNCTION, conversation_id=conversation_id,
                            workspace_id=message.workspace_id, channel=message.channel, account=message.account,
                            contact=message.contact, payload=message.payload, language=language)
        replies = stage_turn(tx, outbox, origin, conversation, outcome, now, [inbound_record],
                             session_timeout_s=ports.settings.session_timeout_s)
        mark_processed(tx, marker, conversation_id, now)
        return replies

    try:
        replies = ports.store.run_transaction(turn)
    except _TicketOpened:
        return _for_the_agents(ports, message, marker)
    for channel in opted_out:
        _record_opt_out(ports, message, contact_id, channel)
    published = outbox.flush(conversation_id)
    return ResolveResult(handled=replies is not None, replies=replies or 0, published=published)


class _TicketOpened(Exception):
    pass


def _record_opt_out(ports: BotTurnPorts, message: InboundMessage, contact_id: str, channel: str) -> None:
    """The customer asked to hear nothing more on this channel (platform intent opt_out): the contact book keeps
    the withdrawal per channel, as a consent. After the turn commits; recording it twice only restamps it."""
    if not contact_id:
        return
    try:
        ContactBook(ports.store, ports.clock).set_opt_in(message.workspace_id, contact_id, channel, False,
                                                        source=OPT_OUT_SOURCE)
    except (InvalidInput, NotFound):
        log("WARNING", "opt-out not recorded: the contact is gone or the channel is not one of a contact",
            function=FUNCTION, channel=channel, message_id=message.message_id)


def _contact_of(ports: BotTurnPorts, message: InboundMessage) -> str:
    """The contact behind the message, made on the first one: the console's contacts fill themselves."""
    try:
        return ContactBook(ports.store, ports.clock).record_seen(
            message.workspace_id, message.channel, message.contact, message.contact_name).id
    except InvalidInput:  # an address the book cannot hold must not cost the customer an answer
        # The reason would quote the address: personal data stays out of the logs.
        log("WARNING", "contact not recorded: the address does not fit its channel", function=FUNCTION,
            channel=message.channel, message_id=message.message_id)
        return ""


def _leaves_the_line(ports: BotTurnPorts, message: InboundMessage, conversation: Conversation) -> bool:
    """A customer still waiting for an agent may go back to the bot with its resume keyword: the ticket is
    cancelled by the customer and the message goes on to the bot. Once an agent holds the chat, the agent
    decides when it ends."""
    bot = ports.directory.bot(message.workspace_id, conversation.bot_id or message.bot_id)
    if not said_keyword(message.text, bot.keywords.resume_bot):
        return False
    data = ports.store.get(TICKETS, conversation.ticket_id)
    if data is None or not Ticket.from_dict(data).is_waiting:
        return False
    agent_desk(ports).resolve(conversation.ticket_id, CUSTOMER, CANCELLED)
    return True


def _for_the_agents(ports: BotTurnPorts, message: InboundMessage, marker: str) -> ResolveResult:
    """While a ticket is open the bot stays silent: the message is logged for the agents, once, and
    counted unread until an agent reads the conversation."""
    records = []

    def record(tx: Transaction) -> bool:
        if already_processed(tx, marker):
            return False
        conversation = Conversation.read(tx, message.conversation_id) or Conversation(message.conversation_id)
        now = ports.clock.now()
        entry = conversation.record_inbound_for_agents(message, now)
        log_entry(tx, message.conversation_id, message.message_id, entry)
        conversation.save(tx)
        mark_processed(tx, marker, message.conversation_id, now)
        records.append(inbound_message_record(message, entry.session_id, "", None))
        return True

    handled = ports.store.run_transaction(record)
    for history in records:
        ports.bus.publish(topics.HISTORY, history.to_json())
    return ResolveResult(handled=handled, replies=0, published=0)
