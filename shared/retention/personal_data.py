"""The inventory of every store the platform writes: what personal data each can hold, and what the
retention purge and a contact's erasure do to it. The one place to look (and to add to) when a store is
added: tests/unit/test_personal_data_inventory.py finds every collection, blob prefix and warehouse table
the code writes and fails for one missing here; the purge and the erasure read the conversation stores
from here (CONVERSATION scope), so a store added to that scope without its sweep fails them too.

Names: a collection path with ``{...}`` for a document id in it, a blob key prefix ending in "/", or a
warehouse table of shared/history/tables.json. ``holds`` is "" for a store with no personal data; its
rules then say why nothing needs doing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COLLECTION, BLOB_PREFIX, TABLE = "collection", "blob prefix", "warehouse table"
# Where the purge and an erasure find a store's data about a customer:
CONVERSATION = "per conversation"  # under or by a conversation id, swept conversation by conversation
CONTACT = "per contact"  # the contact book
WORKSPACE = "per workspace"  # configuration and the team's own records
SHORT_LIVED = "short-lived"  # gone on its own (a TTL, a lease, published and removed) long before any policy
NOTHING = "nothing to do: holds no personal data"


@dataclass(frozen=True)
class Store:
    name: str
    kind: str
    scope: str
    holds: str  # the personal data it can hold; "" for none
    retention: str  # what the daily purge does (shared/retention/purge.py)
    erasure: str  # what a contact's erasure does (shared/retention/erasure.py)

    @property
    def pattern(self) -> str:
        """The name with every ``{...}`` placeholder written ``{}``: how code and inventory are compared."""
        return re.sub(r"\{[^}]*\}", "{}", self.name)


INVENTORY: tuple[Store, ...] = (
    # -- customers' conversations -------------------------------------------------------------------
    Store("conversations", COLLECTION, CONVERSATION,
          holds="the customer's address, the name the channel gave, the bot's variables (their answers)",
          retention="idle past personal_data_days: name and variables emptied; its contact deleted if not seen",
          erasure="deleted"),
    Store("conversations/{conversation}/messages", COLLECTION, CONVERSATION,
          holds="what was said: texts, payloads (links, places, shared contacts, media details)",
          retention="past personal_data_days: text and payload emptied; past files_days: file reference dropped",
          erasure="text and payload emptied, files deleted (the entries stay: what was exchanged and when)"),
    Store("webchat/{conversation}/replies", COLLECTION, CONVERSATION,
          holds="the bot's and agents' replies to a web chat visitor, waiting for the widget to poll",
          retention="sent past personal_data_days: deleted", erasure="deleted"),
    Store("webchat", COLLECTION, CONVERSATION, holds="",
          retention=NOTHING + " (a reply box: sequence numbers, instants, the first message's client id)",
          erasure=NOTHING + "; kept so the visitor's widget keeps its place"),
    Store("tickets", COLLECTION, CONVERSATION, holds="the customer's address",
          retention="opened past personal_data_days: address emptied", erasure="address emptied"),
    Store("media/{workspace}/{conversation}/", BLOB_PREFIX, CONVERSATION,
          holds="customers' files (pictures, documents, audio)",
          retention="past files_days: deleted", erasure="deleted"),
    Store("mail/{message}.eml", BLOB_PREFIX, CONVERSATION,
          holds="the emails bots send (send_email): recipient, subject and a body that may carry the customer's data",
          retention="sent past personal_data_days: deleted (found by their rows in the messages table)",
          erasure="deleted (found by the conversation's rows in the messages table)"),
    Store("messages", TABLE, CONVERSATION, holds="text (shared/retention/history_rows.py PERSONAL_COLUMNS)",
          retention="past personal_data_days (and out of the streaming buffer): personal columns set to NULL",
          erasure="personal columns set to NULL (rows in the streaming buffer: by the next purges)"),
    Store("events", TABLE, CONVERSATION, holds="", retention=NOTHING + " (ids, types, intents, instants)",
          erasure=NOTHING),
    Store("sessions", TABLE, CONVERSATION, holds="", retention=NOTHING + " (ids, counts, outcomes)",
          erasure=NOTHING),
    Store("retention_pending_erasures", COLLECTION, CONVERSATION, holds="",
          retention="deleted once the erased contact's warehouse rows are cleared",
          erasure="written by it; pseudonymous ids only"),
    # -- the contact book ---------------------------------------------------------------------------
    Store("contacts", COLLECTION, CONTACT, holds="names, phones, e-mails, addresses, variables, tags",
          retention="not seen past personal_data_days: deleted (blacklisted: only what the blacklist needs)",
          erasure="deleted, blacklisted or not"),
    Store("contact_keys", COLLECTION, CONTACT, holds="phones and addresses, as index keys",
          retention="deleted with their contact", erasure="deleted with their contact"),
    # -- short-lived records of the processing ------------------------------------------------------
    Store("outbox", COLLECTION, SHORT_LIVED, holds="messages about to be published (their texts)",
          retention="deleted once published: after the commit, or by the sweep within a minute",
          erasure="nothing lingers past the sweep"),
    Store("outbox_leases", COLLECTION, SHORT_LIVED, holds="", retention=NOTHING, erasure=NOTHING),
    Store("processed", COLLECTION, SHORT_LIVED, holds="", retention="expires (expires_at, 30 days): ids only",
          erasure=NOTHING),
    Store("deliveries", COLLECTION, SHORT_LIVED, holds="",
          retention=NOTHING + " (a sent message's status, provider ids and failure reason)", erasure=NOTHING),
    Store("provider_messages", COLLECTION, SHORT_LIVED, holds="",
          retention=NOTHING + " (a provider's message id → ours)", erasure=NOTHING),
    Store("pacing", COLLECTION, SHORT_LIVED, holds="", retention=NOTHING + " (send rates per channel account)",
          erasure=NOTHING),
    Store("console_throttles", COLLECTION, SHORT_LIVED, holds="",
          retention="expires (expires_at) after the rule's memory; keys are hashes of addresses and e-mails",
          erasure=NOTHING),
    # -- the team and the workspace -----------------------------------------------------------------
    Store("agents", COLLECTION, WORKSPACE, holds="agents' names and e-mails (the team's, not customers')",
          retention="kept while the agent's account exists", erasure="not a customer's: an admin removes agents"),
    Store("console_logins", COLLECTION, WORKSPACE, holds="agents' e-mails and password hashes",
          retention="kept while the agent's account exists", erasure="not a customer's: an admin removes agents"),
    Store("console_sessions", COLLECTION, WORKSPACE, holds="", retention="expire after the session's hours",
          erasure=NOTHING),
    Store("console_challenges", COLLECTION, WORKSPACE, holds="",
          retention="expire minutes after the sign-in step they belong to", erasure=NOTHING),
    Store("team_messages", COLLECTION, WORKSPACE, holds="the team's own chat (agents' words)",
          retention="kept while the workspace exists: the team's records, not customers'",
          erasure="not reached: keyed by agents, not customers; what an agent copies into it stays"),
    Store("agent_presence", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("queues", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("quick_replies", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("quick_replies_names", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("pause_reasons", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("pause_reasons_names", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("typifications", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("typifications_names", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("message_templates", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("message_templates_names", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("workspaces", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("channels", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("bots", COLLECTION, WORKSPACE, holds="", retention=NOTHING, erasure=NOTHING),
    Store("retention_state", COLLECTION, WORKSPACE, holds="", retention=NOTHING + " (the purge's watermarks)",
          erasure=NOTHING),
    Store("models/", BLOB_PREFIX, WORKSPACE, holds="", retention=NOTHING + " (the bots' trained models)",
          erasure=NOTHING),
)


def by_scope(scope: str) -> tuple[Store, ...]:
    return tuple(store for store in INVENTORY if store.scope == scope)


def named(pattern: str) -> Store:
    """The inventory's entry for a store name or pattern (``{...}`` placeholders of any spelling)."""
    wanted = re.sub(r"\{[^}]*\}", "{}", pattern)
    for store in INVENTORY:
        if store.pattern == wanted:
            return store
    raise KeyError(f"{pattern!r} is not in the personal data inventory (shared/retention/personal_data.py)")
