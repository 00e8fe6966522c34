"""Load and validate a bot definition file (docs/bot-format.md).

Every problem is reported as ``file:line key.path: what was expected`` and all
problems of a file are reported together, so an author fixes them in one pass.
Lint findings that do not stop a bot (a prompt asking for an email without
saying why) are kept on ``Bot.warnings``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from shared.bots import limits, platform_intents
from shared.bots.answer_types import Entity, asks_for_personal_data_without_reason, parse_answer_type
from shared.bots.definition import Bot, Intent, Keywords, Menu, PlatformIntentSetting
from shared.bots.elements import REGISTRY, ElementRegistry
from shared.bots.expressions import Condition, ExpressionError, parse_condition
from shared.bots.turn_types import PREDEFINED_VARIABLES
from shared.bots.yaml_source import SourceDocument, child_path, parse_yaml
from shared.kernel.errors import BotDefinitionError

TOP_LEVEL_KEYS = {
    "id", "name", "language", "description", "expertise", "tone", "reply_delay_ms", "constants",
    "variables", "entities", "startup", "default", "keywords", "platform_intents", "topics", "menus",
}
TOPIC_KEYS = {"name", "intents"}
INTENT_KEYS = {"name", "triggers", "when", "responses"}
# An option's keys besides the actions the registry allows.
OPTION_KEYS = {"title", "when", "submenu", "back"}
MENU_KEYS = {
    "name", "header", "numbered_emojis", "reminder", "resolve_after_minutes", "farewell", "options",
    "max_failed_attempts", "on_max_failed", "invalid_option_text",
}
DEFAULT_KEYS = {"related_topic", "related_intents", "not_understood"}
KEYWORD_KEYS = {"pause_bot", "resume_bot", "human", "human_queue"}


class _Checker:
    """Problems and facts gathered while a file is read; what the element modules see as ``Checker``."""

    def __init__(self, source: SourceDocument, elements: ElementRegistry) -> None:
        self.source = source
        self.elements = elements
        self.problems: list[tuple[int, str]] = []
        self.warnings: list[tuple[int, str]] = []
        self.references: list[tuple[str, str]] = []  # (path, intent or menu name)
        self.conditions: dict[str, Condition] = {}
        self.asked: list[tuple[str, dict]] = []
        self.handover_bots: list[str] = []
        self.uses_webhooks = False

    def problem(self, path: str, message: str) -> None:
        self.problems.append((self.source.line_of(path), f"{path or '(file)'}: {message}"))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append((self.source.line_of(path), f"{path}: {message}"))

    def expect(self, value: Any, kinds: type | tuple[type, ...], path: str, expected: str) -> bool:
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        if isinstance(value, bool) and bool not in allowed:
            self.problem(path, f"expected {expected}, got a boolean")
            return False
        if not isinstance(value, allowed):
            self.problem(path, f"expected {expected}, got {_describe(value)}")
            return False
        return True

    def unknown_keys(self, mapping: dict, allowed: set[str] | tuple[str, ...], path: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.problem(child_path(path, str(key)), f"unknown key; expected one of {', '.join(sorted(allowed))}")

    def condition(self, source: Any, path: str) -> Condition | None:
        if not self.expect(source, str, path, "a condition such as \"${x} == 1\""):
            return None
        try:
            condition = parse_condition(source)
        except ExpressionError as exc:
            self.problem(path, str(exc))
            return None
        self.conditions[source] = condition
        return condition

    def element(self, element: Any, path: str) -> bool:
        """A response element: exactly one kind (plus an optional when)."""
        kinds = self.elements.names
        if not self.expect(element, dict, path, "a response element such as {text: ...}"):
            return False
        present = [k for k in element if k in kinds]
        for key in element:
            if key not in kinds and key != "when":
                self.problem(child_path(path, str(key)), f"unknown key; expected one of {', '.join(sorted(kinds))}")
        if len(present) != 1:
            self.problem(path, f"expected exactly one element kind, found {len(present)} "
                               f"({', '.join(present) or 'none'})")
            return False
        if "when" in element:
            self.condition(element["when"], child_path(path, "when"))
        kind = present[0]
        self.elements[kind].check(self, element[kind], child_path(path, kind))
        return True

    def action(self, action: Any, path: str) -> None:
        """on_fail / on_error: a mapping of one or more actions run in order."""
        kinds = self.elements.action_names
        if not self.expect(action, dict, path, f"a mapping of actions ({', '.join(kinds)})"):
            return
        self.unknown_keys(action, kinds, path)
        self.actions_of(action, path)

    def actions_of(self, mapping: dict, path: str) -> None:
        for kind in self.elements.action_names:
            if kind in mapping:
                self.elements[kind].check(self, mapping[kind], child_path(path, kind))

    def options(self, options: Any, path: str, depth: int, minimum: int = 1) -> list[dict]:
        """Menu options, buttons and card buttons: a title, an optional when, actions, a submenu or back."""
        if depth > limits.MAX_MENU_DEPTH:
            self.problem(path, f"menus nest {depth} levels deep, at most {limits.MAX_MENU_DEPTH}")
            return []
        if not self.expect(options, list, path, "a list of options"):
            return []
        count = len(options)
        if (count and not (limits.MIN_BUTTON_OPTIONS <= count <= limits.MAX_BUTTON_OPTIONS)) or count < minimum:
            self.problem(path, f"{count} options, expected {limits.MIN_BUTTON_OPTIONS} to {limits.MAX_BUTTON_OPTIONS}")
        clean = []
        for index, option in enumerate(options):
            o_path = child_path(path, index)
            if not self.expect(option, dict, o_path, "a mapping with title and an action"):
                continue
            title = option.get("title")
            if not isinstance(title, str) or not title:
                self.problem(child_path(o_path, "title"), "expected the option's title")
            elif len(title) > limits.MAX_BUTTON_TITLE_CHARS:
                self.problem(
                    child_path(o_path, "title"),
                    f"{title!r} has {len(title)} characters, at most {limits.MAX_BUTTON_TITLE_CHARS}",
                )
            self.unknown_keys(option, OPTION_KEYS | set(self.elements.action_names), o_path)
            if "when" in option:
                self.condition(option["when"], child_path(o_path, "when"))
            self.actions_of(option, o_path)
            submenu = option.get("submenu")
            if submenu is not None and self.expect(submenu, dict, child_path(o_path, "submenu"), "a mapping"):
                sub_path = child_path(o_path, "submenu")
                self.unknown_keys(submenu, {"header", "options", "numbered_emojis"}, sub_path)
                self.options(submenu.get("options"), child_path(sub_path, "options"), depth + 1)
            clean.append(option)
        return clean

    def refers_to(self, path: str, name: str) -> None:
        self.references.append((path, name))

    def asks(self, path: str, ask: dict) -> None:
        self.asked.append((path, ask))

    def hands_over_to(self, bot_id: str) -> None:
        self.handover_bots.append(bot_id)

    def calls_webhooks(self) -> None:
        self.uses_webhooks = True


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def load_bot_file(path: Path, elements: ElementRegistry = REGISTRY) -> Bot:
    return load_bot(path.read_text(encoding="utf-8"), path.name, elements)


def load_bot(text: str, file_name: str, elements: ElementRegistry = REGISTRY) -> Bot:
    """The bot of ``text``, or BotDefinitionError listing every problem; ``elements``: the vocabulary."""
    source = parse_yaml(text, file_name)
    check = _Checker(source, elements)
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
    language = language if language in limits.LANGUAGES else "es"
    constants = data.get("constants") or {}
    if not check.expect(constants, dict, "constants", "a mapping of names to values"):
        constants = {}
    reply_delay = data.get("reply_delay_ms", 0)
    if check.expect(reply_delay, int, "reply_delay_ms", "a whole number of milliseconds") and not (
            0 <= reply_delay <= 10_000):
        check.problem("reply_delay_ms", f"{reply_delay} is out of range; expected 0 to 10000")
    expertise = data.get("expertise") or []
    if check.expect(expertise, list, "expertise", "a list of words"):
        for index, word in enumerate(expertise):
            check.expect(word, str, child_path("expertise", index), "a word")

    entities = _check_entities(check, data.get("entities") or {})
    variables = _check_variables(check, data.get("variables") or [], entities)

    intents: dict[str, Intent] = {}
    topics = data.get("topics", [])
    if check.expect(topics, list, "topics", "a list of topics"):
        for t_index, topic in enumerate(topics):
            t_path = child_path("topics", t_index)
            if not check.expect(topic, dict, t_path, "a mapping with name and intents"):
                continue
            check.unknown_keys(topic, TOPIC_KEYS, t_path)
            topic_name = topic.get("name")
            if not isinstance(topic_name, str) or not topic_name:
                check.problem(child_path(t_path, "name"), "expected the topic's name")
                topic_name = f"topic{t_index}"
            raw_intents = topic.get("intents") or []
            if not check.expect(raw_intents, list, child_path(t_path, "intents"), "a list of intents"):
                continue
            for i_index, raw in enumerate(raw_intents):
                i_path = child_path(child_path(t_path, "intents"), i_index)
                intent = _check_intent(check, raw, i_path, topic_name)
                if intent is None:
                    continue
                if intent.name in intents:
                    check.problem(child_path(i_path, "name"), f"intent {intent.name!r} is defined twice")
                intents[intent.name] = intent

    menus = _check_menus(check, data.get("menus") or [], intents)

    reached: set[str] = set()
    startup = data.get("startup")
    if startup is not None and check.expect(startup, str, "startup", "an intent name"):
        check.refers_to("startup", startup)
    default = data.get("default") or {}
    not_understood = None
    if check.expect(default, dict, "default", "a mapping"):
        check.unknown_keys(default, DEFAULT_KEYS, "default")
        not_understood = default.get("not_understood")
        if not_understood is not None and check.expect(not_understood, str, "default.not_understood", "an intent"):
            check.refers_to("default.not_understood", not_understood)
        for flag in ("related_topic", "related_intents"):
            if flag in default:
                check.expect(default[flag], bool, child_path("default", flag), "true or false")
    else:
        default = {}
    keywords = _check_keywords(check, data.get("keywords") or {})
    platform_settings = _check_platform_intents(check, data.get("platform_intents") or {})

    for path, target in check.references:
        reached.add(target)
        if target not in intents and target not in menus:
            check.problem(path, f"{target!r} is neither an intent nor a menu of this bot")
    for path, ask in check.asked:
        name = ask.get("variable")
        if isinstance(name, str) and name not in variables and "type" not in ask:
            check.problem(child_path(path, "variable"),
                          f"{name!r} is not declared under variables; declare it with its type")
    for intent_path, raw_intent in _intent_paths(data):
        if raw_intent.get("name") in reached:
            continue
        count = len(raw_intent.get("triggers") or [])
        if not (limits.MIN_TRIGGERS_PER_INTENT <= count <= limits.MAX_TRIGGERS_PER_INTENT):
            check.problem(
                child_path(intent_path, "triggers"),
                f"{count} triggers, expected {limits.MIN_TRIGGERS_PER_INTENT} to {limits.MAX_TRIGGERS_PER_INTENT}"
                " (or reach the intent through startup, default, go_to or a menu)",
            )
    for path, ask in check.asked:
        answer_type = variables.get(ask.get("variable"))
        if answer_type is not None and isinstance(ask.get("text"), str) and asks_for_personal_data_without_reason(
                ask["text"], answer_type, language):
            check.warn(child_path(path, "text"), "asks for personal data without saying why; add the reason "
                                                 "(e.g. 'para enviarte la factura')")

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
        keywords=keywords,
        variables=variables,
        entities=entities,
        expertise=tuple(w for w in expertise if isinstance(w, str)),
        reply_delay_ms=reply_delay if isinstance(reply_delay, int) else 0,
        related_topic=default.get("related_topic", True),
        related_intents=default.get("related_intents", True),
        conditions=check.conditions,
        warnings=tuple(f"{file_name}:{line} {message}" for line, message in sorted(check.warnings)),
        handover_bots=tuple(check.handover_bots),
        uses_webhooks=check.uses_webhooks,
        platform_intents=platform_settings,
    )


def _intent_paths(data: dict) -> list[tuple[str, dict]]:
    found = []
    for t_index, topic in enumerate(data.get("topics") or []):
        if not isinstance(topic, dict) or not isinstance(topic.get("intents"), list):
            continue
        for i_index, intent in enumerate(topic["intents"]):
            if isinstance(intent, dict):
                found.append((f"topics[{t_index}].intents[{i_index}]", intent))
    return found


def _check_entities(check: _Checker, raw: Any) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    if not check.expect(raw, dict, "entities", "a mapping of entity names to {values, synonyms}"):
        return entities
    for name, spec in raw.items():
        try:
            entities[str(name)] = Entity.from_spec(str(name), spec)
        except ValueError as exc:
            check.problem(child_path("entities", str(name)), str(exc))
    return entities


def _check_variables(check: _Checker, raw: Any, entities: dict[str, Entity]) -> dict:
    variables = {}
    if not check.expect(raw, list, "variables", "a list of {name, type}"):
        return variables
    for index, spec in enumerate(raw):
        path = child_path("variables", index)
        if not check.expect(spec, dict, path, "a mapping with name and type"):
            continue
        check.unknown_keys(spec, {"name", "type"}, path)
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            check.problem(child_path(path, "name"), "expected the variable's name")
            continue
        if name in PREDEFINED_VARIABLES:
            check.problem(child_path(path, "name"), f"{name!r} is predefined; choose another name")
        try:
            variables[name] = parse_answer_type(str(spec.get("type", "text")), entities)
        except ValueError as exc:
            check.problem(child_path(path, "type"), str(exc))
    return variables


def _check_keywords(check: _Checker, raw: Any) -> Keywords:
    if not check.expect(raw, dict, "keywords", "a mapping"):
        return Keywords()
    check.unknown_keys(raw, KEYWORD_KEYS, "keywords")

    def phrases(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if check.expect(value, list, child_path("keywords", key), "a phrase or a list of phrases"):
            return tuple(v for i, v in enumerate(value)
                         if check.expect(v, str, child_path(child_path("keywords", key), i), "a phrase"))
        return ()

    queue = raw.get("human_queue", limits.DEFAULT_HUMAN_QUEUE)
    check.expect(queue, str, "keywords.human_queue", "a queue name")
    return Keywords(phrases("pause_bot"), phrases("resume_bot"), phrases("human"), str(queue))


def _check_platform_intents(check: _Checker, raw: Any) -> dict[str, PlatformIntentSetting]:
    """``platform_intents: {human: {assign: {queue: ventas}}, greeting: bienvenida, stop: off}``: per platform
    intent, ``off`` (or false), ``on`` (or true: the platform's default), an intent or menu name, or a mapping
    of actions as a menu option has."""
    settings: dict[str, PlatformIntentSetting] = {}
    if not check.expect(raw, dict, "platform_intents", "a mapping of platform intents to off, an intent or actions"):
        return settings
    keys = (*platform_intents.NAMES, *platform_intents.FILE_ALIASES)
    for raw_key, value in raw.items():
        # YAML 1.1 reads the keys yes and no as booleans.
        key = {True: platform_intents.YES, False: platform_intents.NO}.get(raw_key, raw_key) \
            if isinstance(raw_key, bool) else str(raw_key)
        name = platform_intents.FILE_ALIASES.get(key, key)
        path = child_path("platform_intents", key)
        if name not in platform_intents.NAMES:
            check.problem(path, f"unknown key; expected one of {', '.join(sorted(keys))}")
            continue
        if name in settings:
            check.problem(path, f"{name} is set twice (stop is another name for opt_out)")
            continue
        if value is False or value == "off":
            settings[name] = PlatformIntentSetting(enabled=False)
        elif value is True or value == "on" or value is None:
            settings[name] = PlatformIntentSetting()
        elif isinstance(value, str):
            check.refers_to(path, value)
            settings[name] = PlatformIntentSetting(action={"go_to": value})
        elif isinstance(value, dict):
            check.action(value, path)
            if not value:
                check.problem(path, "an empty mapping does nothing; give actions, off, or leave the key out")
            if name == platform_intents.HUMAN and isinstance(value.get("assign"), dict) and "bot" in value["assign"]:
                check.problem(child_path(child_path(path, "assign"), "bot"),
                              "asking for a person must reach people: assign a queue or an agent, not a bot")
            settings[name] = PlatformIntentSetting(action=dict(value))
        else:
            check.problem(path, f"expected off, on, an intent or menu name, or a mapping of actions, "
                                f"got {_describe(value)}")
    return settings


def _check_intent(check: _Checker, raw: Any, path: str, topic: str) -> Intent | None:
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
    when = check.condition(raw["when"], child_path(path, "when")) if "when" in raw else None
    responses = raw.get("responses") or []
    clean_responses: list[dict] = []
    if check.expect(responses, list, child_path(path, "responses"), "a list of response elements"):
        for index, element in enumerate(responses):
            r_path = child_path(child_path(path, "responses"), index)
            if check.element(element, r_path):
                clean_responses.append(element)
    return Intent(name, topic, tuple(clean_triggers), tuple(clean_responses), when)


def _check_menus(check: _Checker, raw_menus: Any, intents: dict[str, Intent]) -> dict[str, Menu]:
    menus: dict[str, Menu] = {}
    if not check.expect(raw_menus, list, "menus", "a list of menus"):
        return menus
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
        options = check.options(raw.get("options"), child_path(m_path, "options"), depth=1)
        reminder = raw.get("reminder") or {}
        reminder_after = reminder_text = None
        if check.expect(reminder, dict, child_path(m_path, "reminder"), "a mapping with after_minutes and text"):
            check.unknown_keys(reminder, {"after_minutes", "text"}, child_path(m_path, "reminder"))
            if reminder:
                reminder_after = reminder.get("after_minutes")
                reminder_text = reminder.get("text")
                check.expect(reminder_after, (int, float), child_path(m_path, "reminder.after_minutes"), "minutes")
                check.expect(reminder_text, str, child_path(m_path, "reminder.text"), "text")
        resolve_after = raw.get("resolve_after_minutes")
        if resolve_after is not None:
            check.expect(resolve_after, (int, float), child_path(m_path, "resolve_after_minutes"), "minutes")
        max_failed = raw.get("max_failed_attempts")
        on_max_failed = raw.get("on_max_failed", "")
        if max_failed is not None:
            check.expect(max_failed, int, child_path(m_path, "max_failed_attempts"), "a whole number")
            titles = [o.get("title") for o in options]
            if on_max_failed not in titles:
                check.problem(child_path(m_path, "on_max_failed"),
                              f"{on_max_failed!r} is not the title of one of this menu's options")
        for key in ("header", "farewell", "invalid_option_text"):
            if key in raw:
                check.expect(raw[key], str, child_path(m_path, key), "text")
        menus[name] = Menu(
            name=name, header=str(raw.get("header", "")), options=tuple(options),
            numbered_emojis=bool(raw.get("numbered_emojis")),
            reminder_after_minutes=reminder_after if isinstance(reminder_after, (int, float)) else None,
            reminder_text=reminder_text if isinstance(reminder_text, str) else "",
            resolve_after_minutes=resolve_after if isinstance(resolve_after, (int, float)) else None,
            farewell=str(raw.get("farewell", "")),
            max_failed_attempts=max_failed if isinstance(max_failed, int) else None,
            on_max_failed=str(on_max_failed or ""),
            invalid_option_text=str(raw.get("invalid_option_text", "")),
        )
    return menus
