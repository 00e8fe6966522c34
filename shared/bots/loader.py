"""Load and validate a bot definition file (../shared/BOT_FORMAT.md).

Every problem is reported as ``file:line key.path: what was expected`` and all
problems of a file are reported together, so an author fixes them in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.bots import limits
from shared.bots.definition import Bot, Intent, Menu
from shared.bots.yaml_source import SourceDocument, child_path, parse_yaml
from shared.errors import BotDefinitionError

TOP_LEVEL_KEYS = {
    "id", "name", "language", "description", "expertise", "tone", "reply_delay_ms", "constants",
    "variables", "entities", "startup", "default", "keywords", "topics", "menus",
}
TOPIC_KEYS = {"name", "intents"}
INTENT_KEYS = {"name", "triggers", "when", "responses"}
RESPONSE_KINDS = {
    "text", "buttons", "carousel", "media", "location", "go_to", "ask", "assign", "mute_bot", "close",
    "tag", "set", "send_email", "webhook", "wait", "menu",
}
MENU_KEYS = {"name", "header", "numbered_emojis", "reminder", "resolve_after_minutes", "options"}
OPTION_ACTIONS = {"go_to", "assign", "text", "submenu", "back", "close"}
DEFAULT_KEYS = {"related_topic", "related_intents", "not_understood"}
KEYWORD_KEYS = {"pause_bot", "resume_bot", "human"}


class _Checker:
    def __init__(self, source: SourceDocument) -> None:
        self.source = source
        self.problems: list[tuple[int, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((self.source.line_of(path), f"{path or '(file)'}: {message}"))

    def expect(self, value: Any, kinds: type | tuple[type, ...], path: str, expected: str) -> bool:
        if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            self.problem(path, f"expected {expected}, got a boolean")
            return False
        if not isinstance(value, kinds):
            self.problem(path, f"expected {expected}, got {_describe(value)}")
            return False
        return True

    def unknown_keys(self, mapping: dict, allowed: set[str], path: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.problem(child_path(path, str(key)), f"unknown key; expected one of {', '.join(sorted(allowed))}")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def load_bot_file(path: Path) -> Bot:
    return load_bot(path.read_text(encoding="utf-8"), path.name)


def load_bot(text: str, file_name: str) -> Bot:
    source = parse_yaml(text, file_name)
    check = _Checker(source)
    data = source.data
    if not isinstance(data, dict):
        raise BotDefinitionError(f"{file_name}:1 (file): expected a mapping with id, name, language and topics")
    check.unknown_keys(data, TOP_LEVEL_KEYS, "")

    for key in ("id", "name", "language", "topics"):
        if key not in data:
            check.problem("", f"missing required key {key!r}")
    bot_id = data.get("id")
    if "id" in data and check.expect(bot_id, str, "id", "text") and not re.match(limits.BOT_ID_PATTERN, bot_id):
        check.problem("id", f"{bot_id!r} may only use a-z, 0-9, _ and -")
    if "name" in data:
        check.expect(data["name"], str, "name", "text")
    language = data.get("language")
    if "language" in data and language not in limits.LANGUAGES:
        check.problem("language", f"{language!r} is not supported; expected one of {', '.join(limits.LANGUAGES)}")
    constants = data.get("constants") or {}
    check.expect(constants, dict, "constants", "a mapping of names to values")

    intents: dict[str, Intent] = {}
    reached: set[str] = set()  # intents referenced by startup/default/go_to/menus: triggers optional
    references: list[tuple[str, str]] = []  # (path, name) of go_to targets to resolve at the end

    topics = data.get("topics", [])
    if check.expect(topics, list, "topics", "a list of topics"):
        for t_index, topic in enumerate(topics):
            t_path = child_path("topics", t_index)
            if not check.expect(topic, dict, t_path, "a mapping with name and intents"):
                continue
            check.unknown_keys(topic, TOPIC_KEYS, t_path)
            topic_name = topic.get("name", f"topic{t_index}")
            for i_index, raw in enumerate(topic.get("intents") or []):
                i_path = child_path(child_path(t_path, "intents"), i_index)
                intent = _check_intent(check, raw, i_path, str(topic_name), references)
                if intent is None:
                    continue
                if intent.name in intents:
                    check.problem(child_path(i_path, "name"), f"intent {intent.name!r} is defined twice")
                intents[intent.name] = intent

    menus: dict[str, Menu] = {}
    raw_menus = data.get("menus") or []
    if check.expect(raw_menus, list, "menus", "a list of menus"):
        for m_index, raw in enumerate(raw_menus):
            m_path = child_path("menus", m_index)
            if not check.expect(raw, dict, m_path, "a mapping with name, header and options"):
                continue
            check.unknown_keys(raw, MENU_KEYS, m_path)
            name = raw.get("name")
            if not isinstance(name, str) or not name:
                check.problem(child_path(m_path, "name"), "expected the menu's name")
                continue
            if name in intents or name in menus:
                check.problem(child_path(m_path, "name"), f"{name!r} is already used; intent and menu names are unique")
            options = _check_options(check, raw.get("options"), child_path(m_path, "options"), references, depth=1)
            menus[name] = Menu(name, str(raw.get("header", "")), tuple(options), bool(raw.get("numbered_emojis")))

    startup = data.get("startup")
    if startup is not None:
        references.append(("startup", startup))
        reached.add(startup)
    default = data.get("default") or {}
    not_understood = None
    if check.expect(default, dict, "default", "a mapping"):
        check.unknown_keys(default, DEFAULT_KEYS, "default")
        not_understood = default.get("not_understood")
        if not_understood is not None:
            references.append(("default.not_understood", not_understood))
            reached.add(not_understood)
    keywords = data.get("keywords") or {}
    if check.expect(keywords, dict, "keywords", "a mapping"):
        check.unknown_keys(keywords, KEYWORD_KEYS, "keywords")

    for path, target in references:
        reached.add(target)
        if target not in intents and target not in menus:
            check.problem(path, f"{target!r} is neither an intent nor a menu of this bot")
    for intent_path, intent in _intent_paths(data):
        if intent.get("name") in reached:
            continue
        count = len(intent.get("triggers") or [])
        if not (limits.MIN_TRIGGERS_PER_INTENT <= count <= limits.MAX_TRIGGERS_PER_INTENT):
            check.problem(
                child_path(intent_path, "triggers"),
                f"{count} triggers, expected {limits.MIN_TRIGGERS_PER_INTENT} to {limits.MAX_TRIGGERS_PER_INTENT}"
                " (or reach the intent through startup, default, go_to or a menu)",
            )

    if check.problems:
        check.problems.sort()
        raise BotDefinitionError("\n".join(f"{file_name}:{line} {message}" for line, message in check.problems))
    return Bot(
        id=bot_id,
        name=data["name"],
        language=language,
        startup=startup,
        not_understood=not_understood,
        constants=dict(constants),
        intents=intents,
        menus=menus,
        source_hash=hashlib.sha256(text.encode()).hexdigest()[:16],
        description=str(data.get("description", "")),
        keywords=dict(keywords),
    )


def _intent_paths(data: dict) -> list[tuple[str, dict]]:
    found = []
    for t_index, topic in enumerate(data.get("topics") or []):
        if not isinstance(topic, dict):
            continue
        for i_index, intent in enumerate(topic.get("intents") or []):
            if isinstance(intent, dict):
                found.append((f"topics[{t_index}].intents[{i_index}]", intent))
    return found


def _check_intent(
    check: _Checker, raw: Any, path: str, topic: str, references: list[tuple[str, str]]
) -> Intent | None:
    if not check.expect(raw, dict, path, "a mapping with name, triggers and responses"):
        return None
    check.unknown_keys(raw, INTENT_KEYS, path)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        check.problem(child_path(path, "name"), "expected the intent's name")
        return None
    triggers = raw.get("triggers") or []
    clean_triggers: list[str] = []
    if check.expect(triggers, list, child_path(path, "triggers"), "a list of example phrases"):
        for index, trigger in enumerate(triggers):
            t_path = child_path(child_path(path, "triggers"), index)
            if not check.expect(trigger, str, t_path, "a phrase"):
                continue
            if len(trigger.split()) < limits.MIN_WORDS_PER_TRIGGER:
                check.problem(t_path, f"{trigger!r} has fewer than {limits.MIN_WORDS_PER_TRIGGER} words")
            clean_triggers.append(trigger)
    when = raw.get("when")
    if when is not None:
        check.expect(when, str, child_path(path, "when"), "a condition")
    responses = raw.get("responses") or []
    clean_responses: list[dict] = []
    if check.expect(responses, list, child_path(path, "responses"), "a list of response elements"):
        for index, element in enumerate(responses):
            r_path = child_path(child_path(path, "responses"), index)
            if _check_response(check, element, r_path, references):
                clean_responses.append(element)
    return Intent(name, topic, tuple(clean_triggers), tuple(clean_responses), when)


def _check_response(check: _Checker, element: Any, path: str, references: list[tuple[str, str]]) -> bool:
    if not check.expect(element, dict, path, "a response element such as {text: ...}"):
        return False
    kinds = [k for k in element if k in RESPONSE_KINDS]
    extra = [k for k in element if k not in RESPONSE_KINDS and k != "when"]
    for key in extra:
        check.problem(child_path(path, key), f"unknown key; expected one of {', '.join(sorted(RESPONSE_KINDS))}")
    if len(kinds) != 1:
        check.problem(path, f"expected exactly one element kind, found {len(kinds)} ({', '.join(kinds) or 'none'})")
        return False
    kind = kinds[0]
    value = element[kind]
    k_path = child_path(path, kind)
    validators: dict[str, Callable[[], None]] = {
        "text": lambda: check.expect(value, str, k_path, "text"),
        "go_to": lambda: check.expect(value, str, k_path, "an intent or menu name")
        and references.append((k_path, value)),
        "menu": lambda: check.expect(value, str, k_path, "a menu name") and references.append((k_path, value)),
        "buttons": lambda: _check_buttons(check, value, k_path, references),
    }
    validators.get(kind, lambda: None)()
    return True


def _check_buttons(check: _Checker, value: Any, path: str, references: list[tuple[str, str]]) -> None:
    if not check.expect(value, dict, path, "a mapping with text and options"):
        return
    check.unknown_keys(value, {"text", "options"}, path)
    _check_options(check, value.get("options"), child_path(path, "options"), references, depth=1)


def _check_options(
    check: _Checker, options: Any, path: str, references: list[tuple[str, str]], depth: int
) -> list[dict]:
    if depth > limits.MAX_MENU_DEPTH:
        check.problem(path, f"menus nest {depth} levels deep, at most {limits.MAX_MENU_DEPTH}")
        return []
    if not check.expect(options, list, path, "a list of options"):
        return []
    count = len(options)
    if not (limits.MIN_BUTTON_OPTIONS <= count <= limits.MAX_BUTTON_OPTIONS):
        check.problem(path, f"{count} options, expected {limits.MIN_BUTTON_OPTIONS} to {limits.MAX_BUTTON_OPTIONS}")
    clean = []
    for index, option in enumerate(options):
        o_path = child_path(path, index)
        if not check.expect(option, dict, o_path, "a mapping with title and an action"):
            continue
        title = option.get("title")
        if not isinstance(title, str) or not title:
            check.problem(child_path(o_path, "title"), "expected the option's title")
        elif len(title) > limits.MAX_BUTTON_TITLE_CHARS:
            check.problem(
                child_path(o_path, "title"),
                f"{title!r} has {len(title)} characters, at most {limits.MAX_BUTTON_TITLE_CHARS}",
            )
        check.unknown_keys(option, OPTION_ACTIONS | {"title", "when"}, o_path)
        if isinstance(option.get("go_to"), str):
            references.append((child_path(o_path, "go_to"), option["go_to"]))
        submenu = option.get("submenu")
        if submenu is not None and check.expect(submenu, dict, child_path(o_path, "submenu"), "a mapping"):
            sub_path = child_path(o_path, "submenu")
            check.unknown_keys(submenu, {"header", "options", "numbered_emojis"}, sub_path)
            _check_options(check, submenu.get("options"), child_path(sub_path, "options"), references, depth + 1)
        clean.append(option)
    return clean
