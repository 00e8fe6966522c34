"""The conversation aggregate (shared/conversations/model.py): its document read and written back as it was,
and what each verb changes; the typed message-log entries in their stored form; the processed marker."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime

from shared.agents.model import CANCELLED, IN_PROGRESS, NEW, Ticket
from shared.bots.turn_types import BotPosition
from shared.conversations.model import (
    AgentReplyEntry,
    BotReplyEntry,
    Conversation,
    InboundEntry,
    NoteEntry,
    SystemNoticeEntry,
    log_entry,
    with_delivery_status,
    with_failed_delivery,
)
from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.conversations.sessions import SESSION
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET, PROCESSED, messages_collection
from shared.messages.wire import InboundMessage, OutboundMessage

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
LATER = "2026-03-02T15:31:00+00:00"


class RecordingTx:
    """The writes of one transaction, by collection and id (what a store's transaction takes)."""

    def __init__(self, documents: dict[tuple[str, str], dict] | None = None) -> None:
        self.documents = dict(documents or {})

    def get(self, collection: str, doc_id: str) -> dict | None:
        return self.documents.get((collection, doc_id))

    def set(self, collection: str, doc_id: str, data: dict) -> None:
        self.documents[(collection, doc_id)] = data


def inbound(text: str = "hola", **changes) -> InboundMessage:
    fields = dict(message_id="m-1", provider_message_id="p-1", workspace_id="demo", channel="webchat",
                  account="site", contact="visitor-1", conversation_id="cv-1", bot_id="tienda", kind="text",
                  text=text, received_at="2026-03-02T15:29:59+00:00", payload={"a": 1})
    return InboundMessage(**{**fields, **changes})


def outbound(message_id: str = "r-1", **changes) -> OutboundMessage:
    fields = dict(message_id=message_id, workspace_id="demo", conversation_id="cv-1", session_id="ss-1",
                  channel="webchat", account="site", recipient="visitor-1", kind="text", text="¡Hola!",
                  created_at=NOW.isoformat(), intent="saludo")
    return OutboundMessage(**{**fields, **changes})


def ticket(status: str = NEW, **changes) -> Ticket:
    fields = dict(id="tk-1", workspace_id="demo", conversation_id="cv-1", channel="webchat", queue="ventas",
                  created_at=NOW.isoformat(), agent="ana", status=status)
    return Ticket(**{**fields, **changes})


def test_a_document_read_and_written_back_is_the_same_document_unknown_fields_included():
    stored = {"workspace_id": "demo", "channel": "webchat", "account": "site", "contact": "visitor-1",
              "bot_id": "tienda", "status": "bot", "created_at": NOW.isoformat(), "message_count": 3,
              "bot": {"session_id": "ss-1", "variables": {"csat": 5}}, "unread": 0, "a_field_of_tomorrow": [1]}

    assert Conversation.from_document("cv-1", stored).to_document() == stored


def test_fields_a_document_does_not_have_stay_absent():
    assert Conversation.from_document("cv-1", {"status": "bot"}).to_document() == {"status": "bot"}


def test_a_field_stored_as_null_stays_null_until_a_verb_sets_it():
    conversation = Conversation.from_document("cv-1", {"unread": None, "agent": None})

    assert conversation.to_document() == {"unread": None, "agent": None}
    conversation.record_inbound_for_agents(inbound(), NOW)
    assert conversation.to_document()["unread"] == 1 and conversation.to_document()["agent"] is None


def test_a_customers_first_message_starts_a_conversation_with_the_channels_bot():
    conversation = Conversation.start(inbound(), NOW)

    assert conversation.id == "cv-1"
    assert conversation.to_document() == {
        "workspace_id": "demo", "channel": "webchat", "account": "site", "contact": "visitor-1", "bot_id": "tienda",
        "status": "bot", "created_at": NOW.isoformat(), "message_count": 0}


def test_an_agents_outreach_starts_a_conversation_with_the_contacts_link_and_name():
    conversation = Conversation.start_outreach("cv-1", workspace_id="demo", channel="whatsapp", account="acc",
                                               contact="5491100000000", bot_id="tienda", contact_id="ct-1",
                                               contact_name="Ana", now=NOW.isoformat())

    assert conversation.to_document() == {
        "workspace_id": "demo", "channel": "whatsapp", "account": "acc", "contact": "5491100000000",
        "bot_id": "tienda", "status": "bot", "created_at": NOW.isoformat(), "message_count": 0,
        "contact_id": "ct-1", "contact_name": "Ana", "updated_at": NOW.isoformat()}


def test_recording_an_inbound_message_counts_it_and_remembers_its_language_contact_and_name():
    conversation = Conversation.start(inbound(), NOW)

    entry = conversation.record_inbound(inbound(contact_name="Ana"), session_id="ss-1", language="es",
                                        contact_id="ct-1")

    assert (conversation.message_count, conversation.language, conversation.contact_id, conversation.contact_name,
            conversation.last_message_at) == (1, "es", "ct-1", "Ana", "2026-03-02T15:29:59+00:00")
    assert entry.to_document() == {"direction": "inbound", "sender_type": "user", "kind": "text", "text": "hola",
                                   "payload": {"a": 1}, "at": "2026-03-02T15:29:59+00:00", "session_id": "ss-1",
                                   "language": "es"}


def test_an_inbound_message_without_a_contact_keeps_the_link_and_name_it_had():
    conversation = Conversation.from_document("cv-1", {"contact_id": "ct-1", "contact_name": "Ana"})

    conversation.record_inbound(inbound(), session_id="ss-1", language="es", contact_id="")

    assert (conversation.contact_id, conversation.contact_name) == ("ct-1", "Ana")


def test_a_message_while_people_hold_the_conversation_is_unread_and_names_the_ticket():
    conversation = Conversation.from_document("cv-1", {"ticket_id": "tk-1", "message_count": 4, "unread": 1,
                                                       "bot": {"session_id": "ss-1"}})

    entry = conversation.record_inbound_for_agents(inbound(), NOW)

    assert (conversation.unread, conversation.message_count, conversation.updated_at) == (2, 5, NOW.isoformat())
    assert entry.to_document() == {"direction": "inbound", "sender_type": "user", "kind": "text", "text": "hola",
                                   "payload": {"a": 1}, "at": "2026-03-02T15:29:59+00:00", "session_id": "ss-1",
                                   "ticket_id": "tk-1"}


def test_a_reaction_is_logged_without_being_counted():
    conversation = Conversation.from_document("cv-1", {"message_count": 4})

    entry = conversation.record_unanswered_inbound(inbound(kind="reaction", text="👍"), NOW)

    assert conversation.to_document() == {"message_count": 4, "updated_at": NOW.isoformat()}
    assert "language" not in entry.to_document() and "ticket_id" not in entry.to_document()


def test_a_bot_turn_moves_the_position_keeps_its_tags_and_counts_its_replies():
    conversation = Conversation.from_document("cv-1", {"message_count": 1, "status": "bot"})
    position = BotPosition(session_id="ss-1", tags=["vip"])

    entries = conversation.record_bot_turn(position, "tienda", [outbound("r-1"), outbound("r-2")], NOW)

    assert conversation.message_count == 3
    assert (conversation.bot, conversation.tags, conversation.status) == (position.to_dict(), ["vip"], "bot")
    assert entries[0].to_document() == {"direction": "outbound", "sender_type": "bot", "kind": "text",
                                        "text": "¡Hola!", "options": [], "payload": {}, "at": NOW.isoformat(),
                                        "session_id": "ss-1", "intent": "saludo"}


def test_a_turn_that_hands_off_leaves_the_conversation_with_agents_and_one_that_closes_it_closed():
    handing = Conversation("cv-1")
    handing.record_bot_turn(BotPosition(handoff={"queue": "ventas"}), "tienda", [], NOW)
    closing = Conversation("cv-2")
    closing.record_bot_turn(BotPosition(closed=True), "tienda", [], NOW)

    assert (handing.status, closing.status) == ("with_agent", "closed")


def test_an_agents_reply_reads_the_conversation_and_starts_the_sessions_response_time_once():
    conversation = Conversation.from_document("cv-1", {"unread": 3, "message_count": 2,
                                                       "session": {"session_id": "ss-1"}})

    entry = conversation.record_agent_reply(outbound(sender_type="agent"), agent_id="ana", ticket_id="tk-1")
    conversation.record_agent_reply(outbound("r-2", created_at=LATER), agent_id="ana", ticket_id="tk-1")

    assert (conversation.unread, conversation.message_count, conversation.last_agent_message_at) == (0, 4, LATER)
    assert conversation.session["first_agent_reply_at"] == NOW.isoformat()
    assert entry.to_document() == {"direction": "outbound", "sender_type": "agent", "agent_id": "ana",
                                   "kind": "text", "text": "¡Hola!", "options": [], "payload": {},
                                   "at": NOW.isoformat(), "session_id": "ss-1", "ticket_id": "tk-1"}


def test_a_private_note_touches_the_conversation_and_is_logged_as_internal():
    conversation = Conversation.from_document("cv-1", {"message_count": 2})

    entry = conversation.record_note(agent_id="ana", text="llamar mañana", now=NOW.isoformat())

    assert conversation.to_document() == {"message_count": 2, "updated_at": NOW.isoformat()}
    assert list(entry.to_document().items()) == [
        ("direction", "internal"), ("sender_type", "note"), ("agent_id", "ana"), ("kind", "text"),
        ("text", "llamar mañana"), ("at", NOW.isoformat())]


def test_a_system_notice_is_logged_with_its_ticket_and_not_counted():
    conversation = Conversation.from_document("cv-1", {"message_count": 2})

    entry = conversation.record_system_notice(outbound(sender_type="system", payload={"notice": "queued"}), "tk-1")

    assert conversation.message_count == 2
    assert isinstance(entry, SystemNoticeEntry)
    assert entry.to_document()["sender_type"] == "system" and entry.to_document()["ticket_id"] == "tk-1"


def test_holding_for_agents_mutes_the_bot_with_the_tickets_agent_and_queue():
    conversation = Conversation.from_document("cv-1", {"status": "bot"})

    conversation.hold_for_agents(ticket(IN_PROGRESS), NOW)

    assert conversation.held_by_people
    assert conversation.to_document() == {"status": "with_agent", "updated_at": NOW.isoformat(), "ticket_id": "tk-1",
                                          "agent": "ana", "queue": "ventas", "ticket_status": IN_PROGRESS,
                                          "invited": ""}


def test_releasing_gives_the_customer_back_to_the_bot_and_forgets_the_hand_off():
    conversation = Conversation.from_document("cv-1", {"ticket_id": "tk-1", "status": "with_agent", "unread": 2,
                                                       "bot": {"session_id": "ss-1", "handoff": {"queue": "x"}}})

    conversation.release(ticket(CANCELLED), NOW)

    assert not conversation.held_by_people
    assert (conversation.status, conversation.unread, conversation.agent) == ("bot", 0, "")
    assert conversation.bot == {"session_id": "ss-1", "handoff": None}


def test_a_closed_older_ticket_does_not_release_a_conversation_a_newer_ticket_holds():
    conversation = Conversation.from_document("cv-1", {"ticket_id": "tk-2", "status": "with_agent"})

    conversation.release(ticket(CANCELLED), NOW)

    assert conversation.to_document() == {"ticket_id": "tk-2", "status": "with_agent", "updated_at": NOW.isoformat()}


def test_marking_read_changes_something_only_when_something_was_unread():
    unread = Conversation.from_document("cv-1", {"unread": 2})
    read = Conversation.from_document("cv-2", {"unread": 0})

    assert unread.mark_read() and unread.unread == 0
    assert not read.mark_read()


def test_tags_are_kept_in_the_bots_position_too_so_its_next_turn_keeps_them():
    conversation = Conversation.from_document("cv-1", {"bot": {"session_id": "ss-1", "tags": []}})

    conversation.tag(["vip", "mayorista"], NOW.isoformat())

    assert conversation.tags == ["vip", "mayorista"]
    assert conversation.bot == {"session_id": "ss-1", "tags": ["vip", "mayorista"]}
    assert conversation.updated_at == NOW.isoformat()


def test_saving_writes_the_document_and_logging_writes_the_entry_under_the_conversation():
    tx = RecordingTx()
    conversation = Conversation.start(inbound(), NOW)

    conversation.save(tx)
    stored = log_entry(tx, "cv-1", "r-1", BotReplyEntry(kind="text", text="hola", options=[], payload={}, at="t",
                                                        session_id="ss-1", intent=""))

    assert Conversation.read(tx, "cv-1") == conversation
    assert tx.get(messages_collection("cv-1"), "r-1") == stored
    assert tx.get(CONVERSATIONS, "cv-1")["message_count"] == 0


def test_every_log_entry_says_its_direction_and_sender():
    entries = [InboundEntry(kind="text", text="", payload={}, at="t", session_id=""),
               BotReplyEntry(kind="text", text="", options=[], payload={}, at="t", session_id="", intent=""),
               SystemNoticeEntry(kind="text", text="", payload={}, at="t", session_id="", ticket_id=""),
               AgentReplyEntry(agent_id="a", kind="text", text="", options=[], payload={}, at="t", session_id="",
                               ticket_id=""),
               NoteEntry(agent_id="a", text="", at="t")]

    assert [(e.to_document()["direction"], e.to_document()["sender_type"]) for e in entries] == [
        ("inbound", "user"), ("outbound", "bot"), ("outbound", "system"), ("outbound", "agent"),
        ("internal", "note")]


def test_a_processed_marker_makes_the_second_handling_of_a_message_a_no_op_and_expires_in_30_days():
    tx = RecordingTx()
    marker = marker_id("resolve_intent", "m-1")

    assert not already_processed(tx, marker)
    mark_processed(tx, marker, "cv-1", NOW)

    assert already_processed(tx, marker)
    assert tx.get(PROCESSED, marker) == {"at": NOW.isoformat(), "expires_at": "2026-04-01T15:30:00+00:00",
                                         "conversation_id": "cv-1"}


def test_retention_forgets_the_contacts_name_and_the_bots_variables_once():
    conversation = Conversation.from_document("cv-1", {"contact_name": "Ana", "bot": {"session_id": "ss-1",
                                                                                       "variables": {"dni": "1"}}})

    assert conversation.forget_personal_details()
    assert conversation.to_document() == {"contact_name": "", "bot": {"session_id": "ss-1", "variables": {}}}
    assert not conversation.forget_personal_details()


def test_a_deleted_contact_is_unlinked_only_from_the_conversations_linked_to_it():
    linked = Conversation.from_document("cv-1", {"contact_id": "ct-1"})
    other = Conversation.from_document("cv-2", {"contact_id": "ct-2"})

    assert linked.unlink_contact("ct-1") and linked.contact_id == ""
    assert not other.unlink_contact("ct-1") and other.contact_id == "ct-2"


def test_a_status_report_moves_a_logged_message_forward_only():
    sent = {"direction": "outbound", "status": "sent"}

    read = with_delivery_status(sent, "read", LATER)
    assert read == {"direction": "outbound", "status": "read", "read_at": LATER}
    assert with_delivery_status(read, "delivered", LATER) is None
    assert with_delivery_status(read, "failed", LATER, "blocked")["failure_reason"] == "blocked"


def test_a_failed_delivery_says_why():
    assert with_failed_delivery({"text": "hola"}, "blacklisted") == {"text": "hola", "status": "failed",
                                                                     "failure_reason": "blacklisted"}


def test_the_field_names_other_modules_read_the_document_by_are_the_models():
    """The console, the inbox and the session rows read the document by these names: they are the model's fields."""
    model_fields = {f.name for f in dataclass_fields(Conversation)}

    assert {OPEN_TICKET, SESSION} <= model_fields
