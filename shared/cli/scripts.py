"""Scripted conversations: a bot author's CI checks what the bot answers, turn by turn.

```yaml
conversations:
  - name: greeting and opening hours
    contact: {name: Ana}            # optional
    start: "2026-03-02T15:00:00Z"   # optional; default DEFAULT_START (a weekday, noon UTC)
    time_zone: America/Argentina/Buenos_Aires   # optional; default: the runner's (UTC)
    webhooks: {...}                 # optional; stubs for this conversation, tried before the file's
    turns:
      - user: hola
        bot:                        # every reply of the turn, in order; the count must match
          - "Buenas tardes Ana! Soy Sol*"           # glob on the reply's text
          - {kind: menu, text: "Elegí una opción:*", options: [Información, "Hablar con alguien", Terminar]}
      - wait_minutes: 6             # let time pass: due timers (menu reminders) run
        bot: ["¿Seguís ahí?*"]
      - user: "1"
        bot: []                     # no reply expected
webhooks:                           # stubs of the author's APIs, "METHOD URL-glob", first match wins
  "GET https://api.example.com/orders/*": {status: 200, json: {status: "en camino"}}
```

Texts, options and string payload values are matched as globs, case-sensitively: ``*``
is any run of characters (line breaks too), ``?`` any one character, and everything else
stands for itself, brackets too. A media, location or carousel reply has no text of its
own: its text is its one-line summary, as ``python -m shared.cli chat`` shows it, so
``"[image] https://*"`` matches an image. Each conversation runs in a fresh driver, with
a fresh visitor, so conversations never see each other's state. Webhook calls never
leave the machine: a call no stub matches fails (the bot runs its ``on_error``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.bots import limits
from shared.bots.turn_types import REPLY_KINDS
from shared.bots.yaml_source import SourceDocument, child_path, parse_yaml
from shared.cli.local_driver import LocalConversations, PipelineError, check_time_zone
from shared.kernel.errors import BotDefinitionError, CharlaError, InvalidInput
from shared.ports.webhook_caller import WebhookFailed, WebhookRequest, WebhookResponse

DEFAULT_START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
SCRIPT_VISITOR = "script-visitor-0001"
TOP_LEVEL_KEYS = ("conversations", "webhooks")
CONVERSATION_KEYS = ("name", "contact", "start", "time_zone", "webhooks", "turns")
CONTACT_KEYS = ("name",)
TURN_KEYS = ("user", "wait_minutes", "bot")
REPLY_KEYS = ("kind", "text", "options", "payload")
STUB_KEYS = ("status", "json", "text", "timeout")


class ScriptError(CharlaError):
    """A conversation script is invalid; the message names file, line, key and expectation."""


# -- the script model -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectedReply:
    """One expected reply; what is None is not checked."""

    kind: str | None = None
    text: str | None = None
    options: tuple[str, ...] | None = None
    payload: Mapping[str, Any] | None = None

    def difference(self, actual: Mapping[str, Any]) -> str | None:
        """Why ``actual`` is not this reply, or None when it is."""
        if self.kind is not None and actual.get("kind") != self.kind:
            return f"kind: expected {self.kind}, got {actual.get('kind')}"
        text = reply_text(actual)
        if self.text is not None and not glob_matches(text, self.text):
            return f"text: expected {_quote(self.text)}, got {_quote(text)}"
        options = [str(o) for o in actual.get("options") or ()]
        if self.options is not None and (len(options) != len(self.options) or not all(
                glob_matches(o, e) for o, e in zip(options, self.options, strict=True))):
            return f"options: expected {_options(self.options)}, got {_options(options)}"
        payload = actual.get("payload") or {}
        for key, wanted in (self.payload or {}).items():
            if key not in payload:
                return f"payload.{key}: expected {_quote(wanted)}, got nothing"
            got = payload[key]
            same = glob_matches(str(got), wanted) if isinstance(wanted, str) else got == wanted
            if not same:
                return f"payload.{key}: expected {_quote(wanted)}, got {_quote(got)}"
        return None

    def describe(self) -> str:
        line = f"[{self.kind or 'any'}] {_quote(self.text) if self.text is not None else '(any text)'}"
        if self.options is not None:
            line += f" options: {_options(self.options)}"
        if self.payload:
            line += f" payload: {json.dumps(dict(self.payload), ensure_ascii=False, default=str)}"
        return line


@dataclass(frozen=True)
class ScriptTurn:
    line: int
    bot: tuple[ExpectedReply, ...]
    user: str | None = None  # the visitor says this...
    wait_minutes: float | None = None  # ...or this much time passes

    def describe(self) -> str:
        return f"user: {_quote(self.user)}" if self.user is not None else f"wait_minutes: {self.wait_minutes:g}"


@dataclass(frozen=True)
class WebhookStub:
    pattern: str  # "METHOD URL-glob", as written
    method: str
    url: str
    status: int = 200
    body: Any = None
    timeout: bool = False

    @classmethod
    def of(cls, pattern: str, status: int = 200, body: Any = None, timeout: bool = False) -> WebhookStub:
        """A stub from its "METHOD URL-glob" pattern (METHOD may be ``*``)."""
        method, _, url = pattern.strip().partition(" ")
        if method.upper() not in ("*", *limits.WEBHOOK_METHODS) or not url.strip():
            raise InvalidInput(f"{pattern!r}: expected \"METHOD URL\" with METHOD one of *, "
                               f"{', '.join(limits.WEBHOOK_METHODS)}, e.g. \"GET https://api.example.com/orders/*\"")
        return cls(pattern=pattern, method=method.upper(), url=url.strip(), status=status, body=body, timeout=timeout)

    def matches(self, request: WebhookRequest) -> bool:
        return self.method in ("*", request.method.upper()) and glob_matches(request.url, self.url)


@dataclass(frozen=True)
class ScriptedConversation:
    name: str
    line: int
    turns: tuple[ScriptTurn, ...]
    contact_name: str = ""
    start: datetime = DEFAULT_START
    time_zone: str | None = None
    webhooks: tuple[WebhookStub, ...] = ()


@dataclass(frozen=True)
class ConversationScript:
    file_name: str
    conversations: tuple[ScriptedConversation, ...]
    webhooks: tuple[WebhookStub, ...] = ()


# -- stubbed webhooks -----------------------------------------------------------------------------
class StubWebhookCaller:
    """The WebhookCaller port answered from stubs: the first stub whose method and URL match answers."""

    def __init__(self, stubs: tuple[WebhookStub, ...] | list[WebhookStub] = ()) -> None:
        self._stubs = tuple(stubs)
        self.calls: list[WebhookRequest] = []

    def call(self, request: WebhookRequest) -> WebhookResponse:
        self.calls.append(request)
        call = f"{request.method} {request.url}"
        stub = next((s for s in self._stubs if s.matches(request)), None)
        if stub is None:
            known = "; ".join(repr(s.pattern) for s in self._stubs) or "none"
            raise WebhookFailed(f"{call}: no webhook stub matches this call (stubs: {known})")
        if stub.timeout:
            raise WebhookFailed(f"{call}: no answer within {request.timeout_s:g}s (stub {stub.pattern!r})")
        if not 200 <= stub.status < 300:
            raise WebhookFailed(f"{call}: HTTP {stub.status} (stub {stub.pattern!r})")
        return WebhookResponse(stub.status, stub.body)


# -- parsing and validation -----------------------------------------------------------------------
class _Checker:
    def __init__(self, source: SourceDocument) -> None:
        self.source = source
        self.problems: list[tuple[int, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((self.source.line_of(path), f"{path or '(file)'}: {message}"))

    def line(self, path: str) -> int:
        return self.source.line_of(path)

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...], expected: str) -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"expected {expected}, got {_describe(value)}")
            return False
        for key in value:
            if key not in allowed:
                self.problem(child_path(path, str(key)), f"unknown key; expected one of {', '.join(allowed)}")
        return True

    def text(self, value: Any, path: str, expected: str = "text") -> str | None:
        if isinstance(value, str):
            return value
        self.problem(path, f"expected {expected}, got {_describe(value)}")
        return None


def load_script_file(path: Path) -> ConversationScript:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScriptError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return load_script(text, str(path))


def load_script(text: str, file_name: str) -> ConversationScript:
    """Parse and validate a script; every problem of the file is reported together."""
    try:
        source = parse_yaml(text, file_name)
    except BotDefinitionError as exc:
        raise ScriptError(str(exc)) from None
    check = _Checker(source)
    data = source.data
    conversations: list[ScriptedConversation] = []
    webhooks: tuple[WebhookStub, ...] = ()
    if check.mapping(data, "", TOP_LEVEL_KEYS, "a mapping with conversations (and optional webhooks)"):
        webhooks = _stubs(check, data.get("webhooks"), "webhooks")
        raw = data.get("conversations")
        if raw is None:
            check.problem("", "missing required key 'conversations'")
        elif not isinstance(raw, list) or not raw:
            check.problem("conversations", f"expected a non-empty list of conversations, got {_describe(raw)}")
        else:
            seen: dict[str, int] = {}
            for index, item in enumerate(raw):
                path = child_path("conversations", index)
                conversation = _conversation(check, item, path)
                if conversation is None:
                    continue
                if conversation.name in seen:
                    check.problem(child_path(path, "name"), f"{conversation.name!r} is already the name of "
                                                            f"conversations[{seen[conversation.name]}]")
                seen.setdefault(conversation.name, index)
                conversations.append(conversation)
    if check.problems:
        raise ScriptError("\n".join(f"{file_name}:{line} {message}" for line, message in sorted(check.problems)))
    return ConversationScript(file_name=file_name, conversations=tuple(conversations), webhooks=webhooks)


def _conversation(check: _Checker, raw: Any, path: str) -> ScriptedConversation | None:
    if not check.mapping(raw, path, CONVERSATION_KEYS, "a mapping with name and turns"):
        return None
    name = raw.get("name")
    if name is None:
        check.problem(path, "missing required key 'name'")
    elif not isinstance(name, str) or not name.strip():
        check.problem(child_path(path, "name"), f"expected the conversation's name, got {_describe(name)}")
    contact_name = ""
    if "contact" in raw and check.mapping(raw["contact"], child_path(path, "contact"), CONTACT_KEYS,
                                          "a mapping such as {name: Ana}"):
        contact_name = check.text(raw["contact"].get("name", ""), child_path(path, "contact.name")) or ""
    start = _start(check, raw.get("start"), child_path(path, "start")) if "start" in raw else DEFAULT_START
    time_zone = None
    if "time_zone" in raw:
        time_zone = check.text(raw["time_zone"], child_path(path, "time_zone"), "an IANA time zone name")
        try:
            if time_zone is not None:
                check_time_zone(time_zone)
        except InvalidInput as exc:
            check.problem(child_path(path, "time_zone"), str(exc))
    webhooks = _stubs(check, raw.get("webhooks"), child_path(path, "webhooks"))
    turns: list[ScriptTurn] = []
    raw_turns = raw.get("turns")
    if raw_turns is None:
        check.problem(path, "missing required key 'turns'")
    elif not isinstance(raw_turns, list) or not raw_turns:
        check.problem(child_path(path, "turns"), f"expected a non-empty list of turns, got {_describe(raw_turns)}")
    else:
        for index, item in enumerate(raw_turns):
            turn = _turn(check, item, child_path(child_path(path, "turns"), index))
            if turn is not None:
                turns.append(turn)
    if not isinstance(name, str) or start is None:
        return None
    return ScriptedConversation(name=name.strip(), line=check.line(path), turns=tuple(turns),
                                contact_name=contact_name, start=start, time_zone=time_zone, webhooks=webhooks)


def _start(check: _Checker, raw: Any, path: str) -> datetime | None:
    # YAML reads an unquoted timestamp as a datetime already; a quoted one is text.
    instant = raw
    if isinstance(raw, str):
        try:
            instant = datetime.fromisoformat(raw)
        except ValueError:
            check.problem(path, f"{raw!r} is not an instant; expected e.g. \"2026-03-02T15:00:00Z\"")
            return None
    if not isinstance(instant, datetime):
        check.problem(path, f"expected an instant such as \"2026-03-02T15:00:00Z\", got {_describe(raw)}")
        return None
    if instant.tzinfo is None:
        check.problem(path, "the instant needs its offset (e.g. \"2026-03-02T15:00:00Z\")")
        return None
    return instant.astimezone(UTC)


def _turn(check: _Checker, raw: Any, path: str) -> ScriptTurn | None:
    if not check.mapping(raw, path, TURN_KEYS, "a mapping with user (or wait_minutes) and bot"):
        return None
    said = [key for key in ("user", "wait_minutes") if key in raw]
    if len(said) != 1:
        check.problem(path, "expected exactly one of user or wait_minutes" if said else
                      "missing 'user' (what the visitor says) or 'wait_minutes' (time that passes)")
    user, wait = None, None
    if "user" in raw:
        value = raw["user"]
        # `user: 1` is a number in YAML; the visitor typed the digit. Longer numbers may not read back
        # as typed (YAML takes 0123 for octal, 1.50 for 1.5), so they must be quoted.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9:
            value = str(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            check.problem(child_path(path, "user"), "write numbers longer than one digit in quotes, so they stay"
                                                    " as typed (YAML reads 0123 and 1.50 differently)")
            value = str(value)
        if isinstance(value, str) and value.strip():
            user = value
        else:
            check.problem(child_path(path, "user"), f"expected what the visitor says, got {_describe(value)}")
    if "wait_minutes" in raw:
        value = raw["wait_minutes"]
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            wait = float(value)
        else:
            check.problem(child_path(path, "wait_minutes"), f"expected a number of minutes above 0, got "
                                                             f"{_describe(value)}")
    expected: list[ExpectedReply] = []
    if "bot" not in raw:
        check.problem(path, "missing 'bot': the list of expected replies ([] for none)")
    elif not isinstance(raw["bot"], list):
        check.problem(child_path(path, "bot"), f"expected a list of replies ([] for none), got "
                                               f"{_describe(raw['bot'])}")
    else:
        for index, item in enumerate(raw["bot"]):
            reply = _expected_reply(check, item, child_path(child_path(path, "bot"), index))
            if reply is not None:
                expected.append(reply)
    if len(said) != 1 or (user is None and wait is None):
        return None
    return ScriptTurn(line=check.line(path), bot=tuple(expected), user=user, wait_minutes=wait)


def _expected_reply(check: _Checker, raw: Any, path: str) -> ExpectedReply | None:
    if isinstance(raw, str):
        return ExpectedReply(text=raw)
    if not check.mapping(raw, path, REPLY_KEYS, "a text glob or a mapping with kind, text, options, payload"):
        return None
    ok = True
    kind = raw.get("kind")
    if kind is not None and kind not in REPLY_KINDS:
        check.problem(child_path(path, "kind"), f"{kind!r} is not a reply kind; expected one of "
                                                f"{', '.join(REPLY_KINDS)}")
        ok = False
    text = raw.get("text")
    if text is not None and check.text(text, child_path(path, "text"), "a text glob") is None:
        ok = False
    options = raw.get("options")
    if options is not None:
        if not isinstance(options, list) or not all(isinstance(o, str | int) and not isinstance(o, bool)
                                                    for o in options):
            check.problem(child_path(path, "options"), f"expected a list of option titles, got {_describe(options)}")
            ok = False
        else:
            options = tuple(str(o) for o in options)
    payload = raw.get("payload")
    if payload is not None and not isinstance(payload, dict):
        check.problem(child_path(path, "payload"), f"expected a mapping of payload keys, got {_describe(payload)}")
        ok = False
    if not raw:
        check.problem(path, "an empty mapping checks nothing; give kind, text, options or payload")
        ok = False
    return ExpectedReply(kind=kind, text=text, options=options, payload=payload) if ok else None


def _stubs(check: _Checker, raw: Any, path: str) -> tuple[WebhookStub, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        check.problem(path, f"expected a mapping of \"METHOD URL\" to answers, got {_describe(raw)}")
        return ()
    stubs = []
    for pattern, answer in raw.items():
        stub_path = child_path(path, str(pattern))
        try:
            WebhookStub.of(str(pattern))
        except InvalidInput as exc:
            check.problem(stub_path, str(exc))
            continue
        if not check.mapping(answer, stub_path, STUB_KEYS, "a mapping such as {status: 200, json: {...}}"):
            continue
        status = answer.get("status", 200)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            check.problem(child_path(stub_path, "status"), f"expected an HTTP status 100-599, got {_describe(status)}")
            continue
        if "json" in answer and "text" in answer:
            check.problem(stub_path, "give json or text, not both")
            continue
        if "text" in answer and check.text(answer["text"], child_path(stub_path, "text")) is None:
            continue
        timeout = answer.get("timeout", False)
        if not isinstance(timeout, bool):
            check.problem(child_path(stub_path, "timeout"), f"expected true or false, got {_describe(timeout)}")
            continue
        stubs.append(WebhookStub.of(str(pattern), status, answer.get("json", answer.get("text")), timeout))
    return tuple(stubs)


# -- running --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mismatch:
    """Where a conversation went differently from its script."""

    file_name: str
    conversation: str
    turn: int  # 1-based
    turn_line: int
    said: str
    reason: str
    expected: tuple[ExpectedReply, ...] = ()
    actual: tuple[Mapping[str, Any], ...] = ()

    def report(self) -> str:
        lines = [f"{self.file_name}:{self.turn_line} conversation {_quote(self.conversation)}, turn {self.turn} "
                 f"({self.said})",
                 self.reason,
                 f"  expected {len(self.expected)} repl{'y' if len(self.expected) == 1 else 'ies'}:"]
        lines += [f"    {i}. {e.describe()}" for i, e in enumerate(self.expected, 1)] or ["    (none)"]
        lines.append(f"  actual {len(self.actual)} repl{'y' if len(self.actual) == 1 else 'ies'}:")
        lines += [f"    {i}. {describe_reply(a)}" for i, a in enumerate(self.actual, 1)] or ["    (none)"]
        return "\n".join(lines)


@dataclass(frozen=True)
class ConversationResult:
    name: str
    mismatch: Mismatch | None = None
    webhook_calls: tuple[WebhookRequest, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.mismatch is None


def compare_replies(expected: tuple[ExpectedReply, ...], actual: list[Mapping[str, Any]]) -> str | None:
    """The first difference between expected and actual replies, or None when they agree."""
    for index, (wanted, got) in enumerate(zip(expected, actual, strict=False), 1):
        why = wanted.difference(got)
        if why is not None:
            return f"reply {index} differs: {why}"
    if len(expected) != len(actual):
        return f"expected {len(expected)} repl{'y' if len(expected) == 1 else 'ies'}, got {len(actual)}"
    return None


Publisher = Callable[[LocalConversations, str], object]


def bot_publisher(bot_path: Path, site: str = "") -> Publisher:
    """Publishes a bot file (read once) or a folder (visitors on its web chat account ``site``) into each driver."""
    bot_path = Path(bot_path)
    if bot_path.is_dir():
        return lambda driver, _time_zone: driver.publish_folder(bot_path, site)
    text = bot_path.read_text(encoding="utf-8")
    return lambda driver, time_zone: driver.publish_bot(text, bot_path.name, time_zone)


def run_conversation(publish: Publisher, script: ConversationScript, conversation: ScriptedConversation,
                     time_zone: str = "UTC") -> ConversationResult:
    """Play one conversation in a fresh driver; stops at the first turn that differs."""
    stubs = StubWebhookCaller(conversation.webhooks + script.webhooks)
    with LocalConversations(start=conversation.start, webhooks=stubs) as driver:
        publish(driver, conversation.time_zone or time_zone)
        for number, turn in enumerate(conversation.turns, 1):
            try:
                if turn.user is not None:
                    replies = driver.say(SCRIPT_VISITOR, turn.user, conversation.contact_name)
                else:
                    replies = driver.advance(turn.wait_minutes or 0).get(SCRIPT_VISITOR, [])
            except (PipelineError, InvalidInput) as exc:
                reason, replies = f"the platform failed: {exc}", []
            else:
                reason = compare_replies(turn.bot, replies)
            if reason is not None:
                mismatch = Mismatch(file_name=script.file_name, conversation=conversation.name, turn=number,
                                    turn_line=turn.line, said=turn.describe(), reason=reason, expected=turn.bot,
                                    actual=tuple(replies))
                return ConversationResult(conversation.name, mismatch, tuple(stubs.calls))
    return ConversationResult(conversation.name, None, tuple(stubs.calls))


def run_script(publish: Publisher, script: ConversationScript, time_zone: str = "UTC"
               ) -> Iterator[ConversationResult]:
    for conversation in script.conversations:
        yield run_conversation(publish, script, conversation, time_zone)


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def glob_matches(text: str, pattern: str) -> bool:
    """``*`` and ``?`` are wildcards; every other character, ``[`` included, is itself."""
    return _glob(pattern).fullmatch(text) is not None


# -- showing replies ------------------------------------------------------------------------------
def reply_text(reply: Mapping[str, Any]) -> str:
    """The reply's text; for a reply without one (media, location, carousel), its one-line summary."""
    text = str(reply.get("text") or "")
    return text or summary_line(reply)


def summary_line(reply: Mapping[str, Any]) -> str:
    payload = reply.get("payload") or {}
    kind = reply.get("kind")
    if kind == "media":
        return " ".join(p for p in (f"[{payload.get('kind', 'media')}]", str(payload.get("url", "")),
                                    str(payload.get("caption", ""))) if p)
    if kind == "location":
        name = str(payload.get("name") or payload.get("address") or "")
        place = f"({payload.get('latitude')}, {payload.get('longitude')})"
        return f"[location] {name} {place}" if name else f"[location] {place}"
    if kind == "carousel":
        return "[carousel] " + " | ".join(str(card.get("title", "")) for card in payload.get("cards") or [])
    return ""


def describe_reply(reply: Mapping[str, Any]) -> str:
    line = f"[{reply.get('kind', '?')}] {_quote(reply_text(reply))}"
    if reply.get("options"):
        line += f" options: {_options(reply['options'])}"
    return line


def _quote(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _options(options: Any) -> str:
    return "[" + ", ".join(_quote(str(o)) for o in options) + "]"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"{value!r}"
    if value in ([], {}, ""):
        return f"an empty {'list' if value == [] else 'mapping' if value == {} else 'text'}"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)
