"""Old and recent data in every store, the same shape in each workspace, for the retention tests.

Per workspace (ages in days before ``now``):

contacts
  olga    WhatsApp 573001110001, changed 60 d ago; her only conversation idle for 45 d
  mario   web chat visitor-mario, changed 40 d ago; his conversation active 2 d ago
  pablo   phone +573004440004 only (no address), changed 50 d ago; a WhatsApp conversation on that
          number, not linked to him, active 1 d ago
  bruno   phone only, imported 90 d ago, never wrote
  negra   phone only, blacklisted 90 d ago
  nueva   web chat visitor-nueva, created 1 d ago
conversations and their message logs
  old     olga's: 3 messages 60 d ago at the same instant (bot replies share theirs), an image 45 d ago
  mixed   mario's: a location 40 d ago, an image 10 d ago, a document and an agent's reply 2 d ago
  pablo   two texts, 35 d and 1 d ago
tickets   old (50 d), mixed_old (40 d), mixed_recent (2 d)
blobs     the three media files
warehouse a messages row per logged message and an events row per conversation
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.agents.model import TICKETS, Ticket
from shared.contacts.book import ContactBook
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from shared.messages.ids import conversation_id
from shared.ports.clock import ManualClock
from shared.workspaces.directory import Workspace

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Logged:
    conversation: str  # the seed's name of the conversation
    name: str
    age_days: float
    direction: str
    sender_type: str
    kind: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    file: bool = False  # a stored media copy (payload.media.blob)


CONVERSATIONS_SEEDED = {
    # name: (channel, account, address, contact whose id it links, contact_name, bot variables, idle days)
    "old": ("whatsapp", "wa-1", "573001110001", "olga", "Olga Ruiz", {"email": "olga@example.com"}, 45),
    "mixed": ("webchat", "site-1", "visitor-mario", "mario", "Mario", {"pedido": "A-123"}, 2),
    "pablo": ("whatsapp", "wa-1", "573004440004", None, "Pablo", {"ciudad": "Cali"}, 1),
}

MESSAGES_SEEDED = (
    Logged("old", "m1", 60, "inbound", "user", "text", "Hola, soy Olga Ruiz"),
    Logged("old", "m2", 60, "outbound", "bot", "text", "¡Hola Olga!"),
    Logged("old", "m3", 60, "outbound", "bot", "buttons", "¿Te ayudo con un pedido?"),
    Logged("old", "m4", 45, "inbound", "user", "image", "mi cédula",
           {"media": {"id": "wa-media-1", "mime_type": "image/jpeg", "size": 5}}, file=True),
    Logged("mixed", "m1", 40, "inbound", "user", "location", "",
           {"location": {"latitude": 3.45, "longitude": -76.53, "name": "Calle 5 # 10-20"}}),
    Logged("mixed", "m2", 10, "inbound", "user", "image", "foto del daño",
           {"media": {"url": "https://cdn.example/x.jpg", "mime_type": "image/jpeg", "size": 5}}, file=True),
    Logged("mixed", "m3", 2, "inbound", "user", "document", "factura",
           {"media": {"id": "doc-9", "mime_type": "application/pdf", "size": 5, "filename": "factura-mario.pdf"}},
           file=True),
    Logged("mixed", "m4", 2, "outbound", "agent", "text", "Gracias Mario, ya lo reviso",
           {"agent_id": "ana", "agent_name": "Ana"}),
    Logged("pablo", "m1", 35, "inbound", "user", "text", "hola, soy Pablo"),
    Logged("pablo", "m2", 1, "inbound", "user", "text", "sigo esperando"),
)

TICKETS_SEEDED = {"old": ("old", 50), "mixed_old": ("mixed", 40), "mixed_recent": ("mixed", 2)}


@dataclass
class SeededWorkspace:
    id: str
    contacts: dict[str, str] = field(default_factory=dict)  # name → contact id
    conversations: dict[str, str] = field(default_factory=dict)  # name → conversation id
    messages: dict[tuple[str, str], str] = field(default_factory=dict)  # (conversation, message) → id
    tickets: dict[str, str] = field(default_factory=dict)  # name → ticket id
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (conversation, message) → blob key


def _at(now: datetime, age_days: float) -> datetime:
    return now - timedelta(days=age_days)


def seed_workspace(platform: Any, workspace: Workspace, now: datetime) -> SeededWorkspace:
    ws = workspace.id
    platform.directory.save_workspace(workspace)
    seeded = SeededWorkspace(ws)

    def book(age_days: float) -> ContactBook:
        return ContactBook(platform.store, ManualClock(_at(now, age_days)))

    seeded.contacts["olga"] = book(60).create(
        ws, name="Olga Ruiz", email="olga@example.com", addresses={"whatsapp": "573001110001"},
        variables={"ciudad": "Cali"}).id
    seeded.contacts["mario"] = book(40).create(ws, name="Mario", addresses={"webchat": "visitor-mario"}).id
    seeded.contacts["pablo"] = book(50).create(ws, name="Pablo Díaz", phone="+573004440004").id
    seeded.contacts["bruno"] = book(90).create(ws, name="Bruno", phone="+573002220002", tags=["importado"]).id
    negra = book(90).create(ws, name="Negra", phone="+573003330003", email="negra@example.com",
                            variables={"motivo": "spam"})
    book(90).set_blacklisted(ws, negra.id, True, "pidió no ser contactada")
    seeded.contacts["negra"] = negra.id
    seeded.contacts["nueva"] = book(1).create(ws, name="Nueva", addresses={"webchat": "visitor-nueva"}).id

    for name, (channel, account, address, owner, contact_name, variables, idle) in CONVERSATIONS_SEEDED.items():
        cid = conversation_id(ws, channel, account, address)
        seeded.conversations[name] = cid
        first = max(m.age_days for m in MESSAGES_SEEDED if m.conversation == name)
        platform.store.set(CONVERSATIONS, cid, {
            "workspace_id": ws, "channel": channel, "account": account, "contact": address,
            "contact_id": seeded.contacts[owner] if owner else "", "contact_name": contact_name,
            "bot_id": "demo", "status": "bot", "created_at": _at(now, first).isoformat(),
            "updated_at": _at(now, idle).isoformat(), "last_message_at": _at(now, idle).isoformat(),
            "message_count": sum(1 for m in MESSAGES_SEEDED if m.conversation == name), "tags": ["ventas"],
            "bot": {"session_id": f"ss-{name}", "last_intent": "saludo", "variables": dict(variables),
                    "tags": ["ventas"]},
        })

    history_rows = []
    for message in MESSAGES_SEEDED:
        cid = seeded.conversations[message.conversation]
        message_id = f"{ws}-{message.conversation}-{message.name}"
        seeded.messages[(message.conversation, message.name)] = message_id
        payload = {k: dict(v) if isinstance(v, dict) else v for k, v in message.payload.items()}
        if message.file:
            key = f"media/{ws}/{cid}/{message_id}"
            platform.blobs.put(key, b"bytes", payload["media"]["mime_type"])
            payload["media"]["blob"] = key
            seeded.files[(message.conversation, message.name)] = key
        at = _at(now, message.age_days)
        platform.store.set(messages_collection(cid), message_id, {
            "direction": message.direction, "sender_type": message.sender_type, "kind": message.kind,
            "text": message.text, "payload": payload, "at": at.isoformat(), "session_id": f"ss-{message.conversation}",
        })
        history_rows.append({
            "message_id": message_id, "workspace_id": ws, "conversation_id": cid, "session_id": None,
            "channel": CONVERSATIONS_SEEDED[message.conversation][0], "direction": message.direction,
            "sender_type": message.sender_type, "kind": message.kind, "text": message.text or None,
            "intent": None, "confidence": None, "language": None, "occurred_at": at,
        })
    platform.warehouse.insert_rows("messages", history_rows)
    platform.warehouse.insert_rows("events", [{
        "event_id": f"{ws}-{name}-started", "workspace_id": ws, "conversation_id": cid, "session_id": f"ss-{name}",
        "channel": CONVERSATIONS_SEEDED[name][0], "type": "session_started",
        "occurred_at": _at(now, max(m.age_days for m in MESSAGES_SEEDED if m.conversation == name)),
        "function": "resolve_intent", "intent": None, "detail": '{"kind": "text"}',
    } for name, cid in seeded.conversations.items()])

    for name, (conversation, age) in TICKETS_SEEDED.items():
        cid = seeded.conversations[conversation]
        ticket = Ticket(id=f"tk-{ws}-{name}", workspace_id=ws, conversation_id=cid,
                        channel=CONVERSATIONS_SEEDED[conversation][0], queue="ventas",
                        created_at=_at(now, age).isoformat(), contact=CONVERSATIONS_SEEDED[conversation][2],
                        agent="ana", status="RESOLVED", typification="venta")
        platform.store.set(TICKETS, ticket.id, ticket.to_dict())
        seeded.tickets[name] = ticket.id
    return seeded
