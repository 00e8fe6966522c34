"""Per-workspace catalogs the admins manage: quick replies, pause reasons, typifications and approved message
templates (the console lists them; hand-over and outreach check against them).

Each entry is keyed "<workspace>:<id>", so a workspace can only ever reach its own,
and has a name that is unique in its workspace (a quick reply's shortcut, a pause
reason's label, a typification's name), compared without case or accents. The
name is claimed by a second document, keyed by workspace and folded name, written
in the same transaction as the entry: two admins saving the same name at once
cannot both win, on SQLite as on Firestore.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from shared.agents.model import instant
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound
from shared.kernel.limits import MAX_TEMPLATE_PARAMETERS
from shared.messages.ids import safe_document_id
from shared.messages.wire import JsonDataclass
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction

QUICK_REPLIES = "quick_replies"
PAUSE_REASONS = "pause_reasons"
MESSAGE_TEMPLATES = "message_templates"
TYPIFICATIONS = "typifications"

SHORTCUT_MAX = 30
QUICK_REPLY_TEXT_MAX = 4096
TITLE_MAX = 100
CATEGORY_MAX = 60
LABEL_MAX = 80

SHORTCUT_PATTERN = rf"[a-z0-9_-]{{1,{SHORTCUT_MAX}}}"
_SHORTCUT = re.compile(SHORTCUT_PATTERN)
# No ':' in entry ids: "<workspace>:<id>" then splits one way only, so no two workspaces share a key.
ENTRY_ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
_ENTRY_ID = re.compile(ENTRY_ID_PATTERN)
MAX_TEMPLATE_LANGUAGE = 20
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower case with accents (ñ too: agents often type "manana") taken off, for comparing and searching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _name_key(name: str) -> str:
    """What makes two names the same: case, accents and spacing aside."""
    return " ".join(_fold(name).split())


def _words(text: str) -> list[str]:
    return _NON_WORD.sub(" ", _fold(text)).split()


# -- validation of the entries' fields --------------------------------------------------------


def _check_id(owner: str, value: Any) -> None:
    if not isinstance(value, str) or (value and not _ENTRY_ID.fullmatch(value)):
        raise InvalidInput(f"{owner}: id must be up to 64 letters, digits, '-' or '_' (or empty to create), "
                           f"got {value!r}")


def _check_text(owner: str, name: str, value: Any, *, limit: int, required: bool = True) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{owner}: {name} must be a {'non-empty ' if required else ''}string, got {value!r}")
    if len(value) > limit:
        raise InvalidInput(f"{owner}: {name} must be at most {limit} characters, got {len(value)}")


def _check_flag(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{owner}: {name} must be true or false, got {value!r}")


def _check_common(entry: Any, owner: str) -> None:
    _check_id(owner, entry.id)
    _check_text(owner, "workspace_id", entry.workspace_id, limit=200)


# -- the entries -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class QuickReply(JsonDataclass):
    """A canned answer an agent inserts by typing '/' and its shortcut; {{placeholders}} are kept as typed."""

    id: str = ""  # "" to create: the catalog gives it one
    workspace_id: str
    shortcut: str
    title: str
    text: str
    category: str = ""
    updated_at: str = ""  # set by QuickReplies.save

    def __post_init__(self) -> None:
        owner = f"quick reply {self.shortcut!r}"
        _check_common(self, owner)
        if not isinstance(self.shortcut, str) or not _SHORTCUT.fullmatch(self.shortcut):
            raise InvalidInput(f"{owner}: shortcut must be 1 to {SHORTCUT_MAX} lower-case letters, digits, '-' "
                               f"or '_' (what is typed after '/'), got {self.shortcut!r}")
        _check_text(owner, "title", self.title, limit=TITLE_MAX)
        _check_text(owner, "text", self.text, limit=QUICK_REPLY_TEXT_MAX)
        _check_text(owner, "category", self.category, limit=CATEGORY_MAX, required=False)
        _check_text(owner, "updated_at", self.updated_at, limit=40, required=False)


@dataclass(frozen=True, kw_only=True)
class PauseReason(JsonDataclass):
    """Why an agent may pause ("Lunch", "Training"); productive pauses count as work time in reports."""

    id: str = ""
    workspace_id: str
    label: str
    counts_as_productive: bool = False
    active: bool = True  # an inactive reason stays on past pauses but cannot be chosen

    def __post_init__(self) -> None:
        owner = f"pause reason {self.label!r}"
        _check_common(self, owner)
        _check_text(owner, "label", self.label, limit=LABEL_MAX)
        _check_flag(owner, "counts_as_productive", self.counts_as_productive)
        _check_flag(owner, "active", self.active)


@dataclass(frozen=True, kw_only=True)
class Typification(JsonDataclass):
    """What a ticket was resolved as ("sale", "complaint solved")."""

    id: str = ""
    workspace_id: str
    name: str
    active: bool = True  # an inactive one stays on past tickets but cannot be chosen

    def __post_init__(self) -> None:
        owner = f"typification {self.name!r}"
        _check_common(self, owner)
        _check_text(owner, "name", self.name, limit=LABEL_MAX)
        _check_flag(owner, "active", self.active)


@dataclass(frozen=True, kw_only=True)
class MessageTemplate(JsonDataclass):
    """A template the provider approved, with which an agent may start a conversation (WhatsApp only takes
    these outside its 24-hour window). ``text`` shows it with its {{1}}, {{2}}... parameters."""

    id: str = ""
    workspace_id: str
    name: str  # the provider's template name (WhatsApp) or Content SID (Twilio)
    language: str  # the provider's language code, e.g. "es_AR"
    text: str
    parameters: int = 0  # how many {{n}} it takes
    active: bool = True  # only active templates are offered

    def __post_init__(self) -> None:
        owner = f"template {self.name!r}"
        _check_common(self, owner)
        _check_text(owner, "name", self.name, limit=LABEL_MAX)
        _check_text(owner, "language", self.language, limit=MAX_TEMPLATE_LANGUAGE)
        _check_text(owner, "text", self.text, limit=QUICK_REPLY_TEXT_MAX)
        _check_flag(owner, "active", self.active)
        if (isinstance(self.parameters, bool) or not isinstance(self.parameters, int)
                or not 0 <= self.parameters <= MAX_TEMPLATE_PARAMETERS):
            raise InvalidInput(f"{owner}: parameters must be a whole number from 0 to {MAX_TEMPLATE_PARAMETERS},"
                               f" got {self.parameters!r}")


# -- the shared catalog mechanics ------------------------------------------------------------


class _Entry(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def workspace_id(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


E = TypeVar("E", bound=_Entry)


class _Catalog(Generic[E]):
    """Save, delete, get and list one kind of entry, each with a name unique in its workspace."""

    kind: ClassVar[type]
    collection: ClassVar[str]
    unique: ClassVar[str]  # the field holding the entry's name
    noun: ClassVar[str]  # how messages call an entry
    id_prefix: ClassVar[str]

    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @classmethod
    def _names(cls) -> str:
        return f"{cls.collection}_names"  # the claims: which entry holds each name

    def _doc_id(self, workspace_id: str, entry_id: str) -> str:
        return safe_document_id(f"{workspace_id}:{entry_id}")

    def _name_doc_id(self, entry: Any) -> str:
        return safe_document_id(f"{entry.workspace_id}:{_name_key(getattr(entry, self.unique))}")

    def _load(self, data: dict[str, Any] | None, workspace_id: str) -> E | None:
        # The key already scopes the entry to its workspace; checking the field as well costs nothing.
        if data is None or data.get("workspace_id") != workspace_id:
            return None
        return self.kind.from_dict(data)  # type: ignore[no-any-return]

    def save(self, entry: E) -> E:
        """Create (an empty id gets a new one) or replace the entry; AlreadyExists if its name is taken."""
        if not entry.id:
            entry = replace(entry, id=f"{self.id_prefix}_{uuid.uuid4().hex[:16]}")  # type: ignore[type-var]
        ws = entry.workspace_id
        doc_id, name_id = self._doc_id(ws, entry.id), self._name_doc_id(entry)

        def work(tx: Transaction) -> E:
            current = self._load(tx.get(self.collection, doc_id), ws)
            holder = tx.get(self._names(), name_id)
            if holder is not None and holder["id"] != entry.id:
                name = getattr(entry, self.unique)
                raise AlreadyExists(f"{self.noun} {self.unique} {name!r} is already used in workspace {ws!r} "
                                    f"(by {holder['id']!r})")
            tx.set(self.collection, doc_id, entry.to_dict())
            tx.set(self._names(), name_id, {"workspace_id": ws, "id": entry.id})
            if current is not None and self._name_doc_id(current) != name_id:
                tx.delete(self._names(), self._name_doc_id(current))  # renamed: the old name is free again
            return entry

        return self._store.run_transaction(work)

    def delete(self, workspace_id: str, entry_id: str) -> None:
        """Remove the entry and free its name; NotFound if the workspace has no such entry."""
        doc_id = self._doc_id(workspace_id, entry_id)

        def work(tx: Transaction) -> None:
            current = self._load(tx.get(self.collection, doc_id), workspace_id)
            if current is None:
                raise NotFound(f"{self.noun} {entry_id!r} does not exist in workspace {workspace_id!r}")
            tx.delete(self.collection, doc_id)
            tx.delete(self._names(), self._name_doc_id(current))

        self._store.run_transaction(work)

    def get(self, workspace_id: str, entry_id: str) -> E:
        found = self._load(self._store.get(self.collection, self._doc_id(workspace_id, entry_id)), workspace_id)
        if found is None:
            raise NotFound(f"{self.noun} {entry_id!r} does not exist in workspace {workspace_id!r}")
        return found

    def _all(self, workspace_id: str, filters: Sequence[Filter] = ()) -> list[E]:
        docs = self._store.query(self.collection, [Filter("workspace_id", "==", workspace_id), *filters])
        entries = [self.kind.from_dict(d.data) for d in docs]
        return sorted(entries, key=lambda e: (_name_key(getattr(e, self.unique)), e.id))

    def list(self, workspace_id: str) -> list[E]:
        """The workspace's entries by name, inactive ones included."""
        return self._all(workspace_id)

    def require(self, workspace_id: str, name_or_id: str) -> E:
        """The active entry whose id or name (case and accents ignored) is ``name_or_id``."""
        active = [e for e in self._all(workspace_id) if getattr(e, "active", True)]
        wanted = _name_key(name_or_id) if isinstance(name_or_id, str) else None
        for entry in active:
            if entry.id == name_or_id or _name_key(getattr(entry, self.unique)) == wanted:
                return entry
        known = ", ".join(repr(getattr(e, self.unique)) for e in active) or "none"
        raise InvalidInput(f"{name_or_id!r} is not an active {self.noun} of workspace {workspace_id!r}; "
                           f"known: {known}")


# -- the catalogs ----------------------------------------------------------------------------


class QuickReplies(_Catalog[QuickReply]):
    kind = QuickReply
    collection = QUICK_REPLIES
    unique = "shortcut"
    noun = "quick reply"
    id_prefix = "qr"

    def save(self, entry: QuickReply) -> QuickReply:
        """Create or edit; AlreadyExists when another reply of the workspace has the shortcut."""
        return super().save(replace(entry, updated_at=instant(self._clock.now())))

    def list(self, workspace_id: str, category: str | None = None) -> list[QuickReply]:
        """The workspace's replies by shortcut, only those of ``category`` when given."""
        return self._all(workspace_id, [Filter("category", "==", category)] if category is not None else [])

    def categories(self, workspace_id: str) -> list[str]:
        """The categories in use, sorted (case and accents ignored)."""
        return sorted({r.category for r in self._all(workspace_id) if r.category}, key=lambda c: (_name_key(c), c))

    def search(self, workspace_id: str, text: str) -> list[QuickReply]:
        """Replies whose shortcut starts with ``text`` (a leading '/' allowed) first, then those whose title,
        then title or text, has a word starting with each word of ``text``; case and accents ignored.
        An empty ``text`` lists them all, as typing '/' alone shows every shortcut."""
        prefix = _fold(text.strip()).lstrip("/")
        terms = _words(text)
        # A workspace holds at most a few hundred replies: ranking them here beats a text index.
        ranked = []
        for reply in self._all(workspace_id):
            rank = _rank(reply, prefix, terms)
            if rank is not None:
                ranked.append((rank, reply.shortcut, reply))
        return [reply for _, _, reply in sorted(ranked, key=lambda r: r[:2])]


def _rank(reply: QuickReply, prefix: str, terms: list[str]) -> int | None:
    """0: the shortcut starts with the query; 1: the title matches; 2: title and text do; None: no match."""
    if reply.shortcut.startswith(prefix):
        return 0
    if not terms:
        return None
    title = _words(reply.title)
    if _all_found(terms, title):
        return 1
    if _all_found(terms, title + _words(reply.text)):
        return 2
    return None


def _all_found(terms: list[str], words: list[str]) -> bool:
    return all(any(word.startswith(term) for word in words) for term in terms)


class PauseReasons(_Catalog[PauseReason]):
    kind = PauseReason
    collection = PAUSE_REASONS
    unique = "label"
    noun = "pause reason"
    id_prefix = "pr"

    def require_active(self, workspace_id: str, label_or_id: str) -> PauseReason:
        """The reason an agent pauses with; InvalidInput naming the active reasons when it is not one."""
        return self.require(workspace_id, label_or_id)


class Typifications(_Catalog[Typification]):
    """What tickets are resolved with; ``require`` takes a name or id."""

    kind = Typification
    collection = TYPIFICATIONS
    unique = "name"
    noun = "typification"
    id_prefix = "ty"


class MessageTemplates(_Catalog[MessageTemplate]):
    """Approved templates; ``require`` takes a name or id."""

    kind = MessageTemplate
    collection = MESSAGE_TEMPLATES
    unique = "name"
    noun = "template"
    id_prefix = "tp"
