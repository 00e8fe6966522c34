"""Load and validate a bot definition file (../shared/BOT_FORMAT.md).

Every problem is reported as ``file:line key.path: what was expected`` and all
problems of a file are reported together, so an author fixes them in one pass.
Lint findings that do not stop a bot (a prompt asking for an email without
saying why) are kept on ``Bot.warnings``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.bots import limits
from shared.bots.answer_types import Entity, asks_for_personal_data_without_reason, parse_answer_type
from shared.bots.definition import Bot, Intent, Keywords, Menu
from shared.bots.expressions import Condition, ExpressionError, parse_condition
from shared.bots.yaml_source import SourceDocument, child_path, parse_yaml
from shared.kernel.errors import BotDefinitionError

TOP_LEVEL_KEYS = {
    "id", "name", "language", "description", "expertise", "tone", "reply_delay_ms", "constants",
    "variables", "entities", "startup", "default", "keywords", "topics", "menus",
}
TOPIC_KEYS = {"name", "intents"}
INTENT_KEYS = {"name", "triggers", "when", "responses"}
RESPONSE_KINDS = (
    "text", "buttons", "carousel", "media", "location", "go_to", "ask", "assign", "mute_bot", "close",
    "tag", "set", "send_email", "webhook", "wait", "menu",
)
# What a menu option, an on_fail or an on_error may do, in the order they run.
ACTION_KINDS = ("text", "media", "set", "tag", "webhook", "ask", "send_email", "go_to", "menu", "assign", "close")
OPTION_KEYS = {"title", "when", "submenu", "back", *ACTION_KINDS}
MENU_KEYS = {
    "name", "header", "numbered_emojis", "reminder", "resolve_after_minutes", "farewell", "options",
    "max_failed_attempts", "on_max_failed", "invalid_option_text",
}
DEFAULT_KEYS = {"related_topic", "related_intents", "not_understood"}
KEYWORD_KEYS = {"pause_bot", "resume_bot", "human", "human_queue"}
PREDEFINED_VARIABLES = {"contact.name", "contact.phone", "contact.email", "channel", "language", "greeting", "now",
                        "last_intent", "topic"}


class _Checker:
    def __init__(self, source: SourceDocument) -> None:
        self.source = source
        self.problems: list[tuple[int, str]] = []
        self.warnings: list[tuple[int, str]] = []
        self.references: list[tuple[str, str]] = []  # (path, intent or menu name)
        self.conditions: dict[str, Condition] = {}
        self.asks: list[tuple[str, dict]] = []
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
        check.references.append(("startup", startup))
    default = data.get("default") or {}
    not_understood = None
    if check.expect(default, dict, "default", "a mapping"):
        check.unknown_keys(default, DEFAULT_KEYS, "default")
        not_understood = default.get("not_understood")
        if not_understood is not None and check.expect(not_understood, str, "default.not_understood", "an intent"):
            check.references.append(("default.not_understood", not_understood))
        for flag in ("related_topic", "related_intents"):
            if flag in default:
                check.expect(default[flag], bool, child_path("default", flag), "true or false")
    else:
        default = {}
    keywords = _check_keywords(check, data.get("keywords") or {})

    for path, target in check.references:
        reached.add(target)
        if target not in intents and target not in menus:
            check.problem(path, f"{target!r} is neither an intent nor a menu of this bot")
    for path, ask in check.asks:
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
    for path, ask in check.asks:
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
            if _check_element(check, element, r_path, RESPONSE_KINDS):
                clean_responses.append(element)
    return Intent(name, topic, tuple(clean_triggers), tuple(clean_responses), when)


def _check_element(check: _Checker, element: Any, path: str, kinds: tuple[str, ...]) -> bool:
    """A response element: exactly one kind (plus an optional when)."""
    if not check.expect(element, dict, path, "a response element such as {text: ...}"):
        return False
    present = [k for k in element if k in kinds]
    for key in element:
        if key not in kinds and key != "when":
            check.problem(child_path(path, str(key)), f"unknown key; expected one of {', '.join(sorted(kinds))}")
    if len(present) != 1:
        check.problem(path, f"expected exactly one element kind, found {len(present)} ({', '.join(present) or 'none'})")
        return False
    if "when" in element:
        check.condition(element["when"], child_path(path, "when"))
    kind = present[0]
    _ELEMENT_CHECKS[kind](check, element[kind], child_path(path, kind))
    return True


def _check_action(check: _Checker, action: Any, path: str) -> None:
    """on_fail / on_error / on_max_failed: a mapping of one or more actions run in order."""
    if not check.expect(action, dict, path, f"a mapping of actions ({', '.join(ACTION_KINDS)})"):
        return
    check.unknown_keys(action, ACTION_KINDS, path)
    for kind in ACTION_KINDS:
        if kind in action:
            _ELEMENT_CHECKS[kind](check, action[kind], child_path(path, kind))


def _text(check: _Checker, value: Any, path: str) -> None:
    check.expect(value, str, path, "text")


def _reference(check: _Checker, value: Any, path: str) -> None:
    if check.expect(value, str, path, "an intent or menu name"):
        check.references.append((path, value))


def _buttons(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with text and options"):
        return
    check.unknown_keys(value, {"text", "options"}, path)
    if "text" in value:
        check.expect(value["text"], str, child_path(path, "text"), "text")
    _check_options(check, value.get("options"), child_path(path, "options"), depth=1)


def _carousel(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with cards"):
        return
    check.unknown_keys(value, {"cards"}, path)
    cards = value.get("cards")
    c_path = child_path(path, "cards")
    if not check.expect(cards, list, c_path, "a list of cards"):
        return
    if not 1 <= len(cards) <= limits.MAX_CAROUSEL_CARDS:
        check.problem(c_path, f"{len(cards)} cards, expected 1 to {limits.MAX_CAROUSEL_CARDS}")
    for index, card in enumerate(cards):
        card_path = child_path(c_path, index)
        if not check.expect(card, dict, card_path, "a mapping with title, subtitle, image and buttons"):
            continue
        check.unknown_keys(card, {"title", "subtitle", "image", "buttons"}, card_path)
        title = card.get("title")
        if check.expect(title, str, child_path(card_path, "title"), "the card's title") and (
                len(title) > limits.MAX_CARD_TITLE_CHARS):
            check.problem(child_path(card_path, "title"),
                          f"{len(title)} characters, at most {limits.MAX_CARD_TITLE_CHARS}")
        for key in ("subtitle", "image"):
            if key in card:
                check.expect(card[key], str, child_path(card_path, key), "text")
        if "buttons" in card:
            b_path = child_path(card_path, "buttons")
            buttons = card["buttons"]
            if check.expect(buttons, list, b_path, "a list of options") and len(buttons) > limits.MAX_CARD_BUTTONS:
                check.problem(b_path, f"{len(buttons)} buttons, at most {limits.MAX_CARD_BUTTONS} per card")
            _check_options(check, buttons, b_path, depth=1, minimum=0)


def _media(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with kind, url and caption"):
        return
    check.unknown_keys(value, {"kind", "url", "caption", "filename"}, path)
    if value.get("kind") not in limits.MEDIA_KINDS:
        check.problem(child_path(path, "kind"), f"{value.get('kind')!r}; expected one of "
                                                f"{', '.join(limits.MEDIA_KINDS)}")
    if not isinstance(value.get("url"), str) or not value["url"]:
        check.problem(child_path(path, "url"), "expected the media's URL")
    for key in ("caption", "filename"):
        if key in value:
            check.expect(value[key], str, child_path(path, key), "text")


def _location(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with latitude and longitude"):
        return
    check.unknown_keys(value, {"latitude", "longitude", "name", "address"}, path)
    for key, bound in (("latitude", 90), ("longitude", 180)):
        coordinate = value.get(key)
        if check.expect(coordinate, (int, float), child_path(path, key), "a number") and abs(coordinate) > bound:
            check.problem(child_path(path, key), f"{coordinate} is out of range -{bound}..{bound}")
    for key in ("name", "address"):
        if key in value:
            check.expect(value[key], str, child_path(path, key), "text")


def _ask(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with variable and text"):
        return
    check.unknown_keys(value, {"variable", "text", "retry_text", "retries", "on_fail", "reason"}, path)
    if not isinstance(value.get("variable"), str):
        check.problem(child_path(path, "variable"), "expected the name of the variable that keeps the answer")
    if not isinstance(value.get("text"), str):
        check.problem(child_path(path, "text"), "expected the question")
    if "retry_text" in value:
        check.expect(value["retry_text"], str, child_path(path, "retry_text"), "text")
    retries = value.get("retries", limits.DEFAULT_ASK_RETRIES)
    if check.expect(retries, int, child_path(path, "retries"), "a whole number") and not (
            0 <= retries <= limits.MAX_ASK_RETRIES):
        check.problem(child_path(path, "retries"), f"{retries}; expected 0 to {limits.MAX_ASK_RETRIES}")
    if "on_fail" in value:
        _check_action(check, value["on_fail"], child_path(path, "on_fail"))
    check.asks.append((path, value))


def _assign(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with queue, agent or bot"):
        return
    check.unknown_keys(value, {"queue", "agent", "bot", "message"}, path)
    targets = [k for k in ("queue", "agent", "bot") if k in value]
    if len(targets) != 1:
        check.problem(path, f"expected exactly one of queue, agent or bot, found {len(targets)}")
        return
    check.expect(value[targets[0]], str, child_path(path, targets[0]), "a name")
    if "message" in value:
        check.expect(value["message"], str, child_path(path, "message"), "text")
    if targets[0] == "bot" and isinstance(value["bot"], str):
        check.handover_bots.append(value["bot"])


def _mute(check: _Checker, value: Any, path: str) -> None:
    if check.expect(value, dict, path, "a mapping with minutes"):
        check.unknown_keys(value, {"minutes"}, path)
        minutes = value.get("minutes")
        if check.expect(minutes, (int, float), child_path(path, "minutes"), "a number of minutes") and minutes <= 0:
            check.problem(child_path(path, "minutes"), "expected more than 0 minutes")


def _close(check: _Checker, value: Any, path: str) -> None:
    if value is None or value is True:
        return
    if check.expect(value, dict, path, "a mapping with an optional message"):
        check.unknown_keys(value, {"message"}, path)
        if "message" in value:
            check.expect(value["message"], str, child_path(path, "message"), "text")


def _tag(check: _Checker, value: Any, path: str) -> None:
    tags = [value] if isinstance(value, str) else value
    if check.expect(tags, list, path, "a tag or a list of tags"):
        for index, tag in enumerate(tags):
            check.expect(tag, str, child_path(path, index) if isinstance(value, list) else path, "a tag")


def _set(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with variable and value"):
        return
    check.unknown_keys(value, {"variable", "value"}, path)
    if not isinstance(value.get("variable"), str):
        check.problem(child_path(path, "variable"), "expected a variable name")
    elif value["variable"] in PREDEFINED_VARIABLES:
        check.problem(child_path(path, "variable"), f"{value['variable']!r} is predefined and cannot be set")
    if "value" not in value:
        check.problem(child_path(path, "value"), "expected the value to set")


def _send_email(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with to, subject and body"):
        return
    check.unknown_keys(value, {"to", "subject", "body"}, path)
    for key in ("to", "subject", "body"):
        if not isinstance(value.get(key), str):
            check.problem(child_path(path, key), "expected text")


def _webhook(check: _Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with url, method, save and on_error"):
        return
    check.uses_webhooks = True
    check.unknown_keys(value, {"url", "method", "headers", "body", "timeout_ms", "save", "on_error"}, path)
    url = value.get("url")
    # A URL may start with a constant (${api}/orders) that holds the scheme and host.
    if not isinstance(url, str) or not re.match(r"^(https?://|\$\{)", url):
        check.problem(child_path(path, "url"), "expected an http:// or https:// URL (or one starting with ${constant})")
    method = str(value.get("method", "GET")).upper()
    if method not in limits.WEBHOOK_METHODS:
        check.problem(child_path(path, "method"), f"{method!r}; expected one of {', '.join(limits.WEBHOOK_METHODS)}")
    timeout = value.get("timeout_ms", 3000)
    if check.expect(timeout, int, child_path(path, "timeout_ms"), "milliseconds") and not (
            limits.MIN_WEBHOOK_TIMEOUT_MS <= timeout <= limits.MAX_WEBHOOK_TIMEOUT_MS):
        check.problem(child_path(path, "timeout_ms"), f"{timeout}; expected {limits.MIN_WEBHOOK_TIMEOUT_MS} to "
                                                      f"{limits.MAX_WEBHOOK_TIMEOUT_MS}")
    if "headers" in value:
        check.expect(value["headers"], dict, child_path(path, "headers"), "a mapping of header names to values")
    save = value.get("save", {})
    if check.expect(save, dict, child_path(path, "save"), "a mapping of variables to $.paths"):
        for variable, json_path in save.items():
            if not isinstance(json_path, str) or not json_path.startswith("$"):
                check.problem(child_path(child_path(path, "save"), str(variable)),
                              f"{json_path!r}; expected a path such as $.status or $.items[0].name")
    if "on_error" in value:
        _check_action(check, value["on_error"], child_path(path, "on_error"))


def _wait(check: _Checker, value: Any, path: str) -> None:
    seconds = value.get("seconds") if isinstance(value, dict) else value
    if isinstance(value, dict):
        check.unknown_keys(value, {"seconds"}, path)
    if check.expect(seconds, (int, float), path, "a number of seconds") and not (
            0 < seconds <= limits.MAX_WAIT_SECONDS):
        check.problem(path, f"{seconds} seconds; expected more than 0 and at most {limits.MAX_WAIT_SECONDS}")


_ELEMENT_CHECKS: dict[str, Callable[[_Checker, Any, str], None]] = {
    "text": _text, "go_to": _reference, "menu": _reference, "buttons": _buttons, "carousel": _carousel,
    "media": _media, "location": _location, "ask": _ask, "assign": _assign, "mute_bot": _mute,
    "close": _close, "tag": _tag, "set": _set, "send_email": _send_email, "webhook": _webhook, "wait": _wait,
}


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
        options = _check_options(check, raw.get("options"), child_path(m_path, "options"), depth=1)
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


def _check_options(check: _Checker, options: Any, path: str, depth: int, minimum: int = 1) -> list[dict]:
    if depth > limits.MAX_MENU_DEPTH:
        check.problem(path, f"menus nest {depth} levels deep, at most {limits.MAX_MENU_DEPTH}")
        return []
    if not check.expect(options, list, path, "a list of options"):
        return []
    count = len(options)
    if (count and not (limits.MIN_BUTTON_OPTIONS <= count <= limits.MAX_BUTTON_OPTIONS)) or count < minimum:
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
        check.unknown_keys(option, OPTION_KEYS, o_path)
        if "when" in option:
            check.condition(option["when"], child_path(o_path, "when"))
        for kind in ACTION_KINDS:
            if kind in option:
                _ELEMENT_CHECKS[kind](check, option[kind], child_path(o_path, kind))
        submenu = option.get("submenu")
        if submenu is not None and check.expect(submenu, dict, child_path(o_path, "submenu"), "a mapping"):
            sub_path = child_path(o_path, "submenu")
            check.unknown_keys(submenu, {"header", "options", "numbered_emojis"}, sub_path)
            _check_options(check, submenu.get("options"), child_path(sub_path, "options"), depth + 1)
        clean.append(option)
    return clean
