"""The bot engine: one customer message in, the bot's replies and events out.

Pure logic over a ``Bot`` and a conversation's state: no I/O, so it runs the
same inside a Firestore transaction, a SQLite one, or a unit test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.bots.definition import Bot, Intent, Menu
from shared.bots.matching import match_trigger, normalise
from shared.bots.templates import greeting, render

MAX_JUMPS_PER_TURN = 10
NUMBER_EMOJIS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
FALLBACK_NOT_UNDERSTOOD = {
    "es": "Perdón, no te entendí.",
    "en": "Sorry, I did not understand that.",
    "pt": "Desculpe, não entendi.",
}
FALLBACK_HANDOFF = {
    "es": "Te comunico con una persona del equipo.",
    "en": "I'm passing you to a person on our team.",
    "pt": "Vou te passar para uma pessoa da equipe.",
}


@dataclass
class BotPosition:
    """Where the conversation stands in the bot; persisted with the conversation."""

    session_id: str = ""
    session_started_at: str = ""
    last_activity_at: str = ""
    closed: bool = False
    last_intent: str = ""
    topic: str = ""
    # Frames of shown menus/buttons, innermost last: {"header", "options", "numbered_emojis"}.
    menu_stack: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BotPosition:
        data = data or {}
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Reply:
    kind: str  # text | buttons | menu
    text: str
    options: tuple[str, ...] = ()
    intent: str = ""


@dataclass(frozen=True)
class EngineEvent:
    type: str
    intent: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnContext:
    now: datetime
    time_zone: str
    channel: str
    contact_name: str
    session_timeout_s: int
    new_session_id: str


@dataclass
class TurnOutcome:
    position: BotPosition
    replies: list[Reply] = field(default_factory=list)
    events: list[EngineEvent] = field(default_factory=list)


class _Turn:
    def __init__(self, bot: Bot, position: BotPosition, context: TurnContext) -> None:
        self.bot = bot
        self.position = position
        self.context = context
        self.outcome = TurnOutcome(position=position)
        self.jumps = 0

    # -- values for ${} templates ------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        local = self.context.now.astimezone(ZoneInfo(self.context.time_zone))
        values: dict[str, Any] = dict(self.bot.constants)
        values.update(self.position.variables)
        values.update(
            {
                "contact.name": self.context.contact_name,
                "channel": self.context.channel,
                "language": self.bot.language,
                "greeting": greeting(self.bot.language, local),
                "now": local.strftime("%Y-%m-%d %H:%M"),
                "last_intent": self.position.last_intent,
                "topic": self.position.topic,
            }
        )
        return values

    def say(self, kind: str, text: str, options: tuple[str, ...] = (), intent: str = "") -> None:
        self.outcome.replies.append(Reply(kind, render(text, self.values()), options, intent))

    def event(self, type_: str, intent: str = "", **detail: Any) -> None:
        self.outcome.events.append(EngineEvent(type_, intent, detail))

    # -- running intents and elements ----------------------------------------------------------
    def run_target(self, name: str, via: str) -> None:
        self.jumps += 1
        if self.jumps > MAX_JUMPS_PER_TURN:
            self.event("jump_limit_reached", name, via=via)
            return
        intent = self.bot.intent(name)
        if intent is not None:
            self.run_intent(intent)
            return
        menu = self.bot.menus.get(name)
        if menu is not None:
            self.show_menu(menu)

    def run_intent(self, intent: Intent) -> None:
        self.position.last_intent = intent.name
        self.position.topic = intent.topic
        for element in intent.responses:
            self.run_element(element, intent)

    def run_element(self, element: dict[str, Any], intent: Intent) -> None:
        if "text" in element:
            self.say("text", element["text"], intent=intent.name)
        elif "buttons" in element:
            buttons = element["buttons"]
            frame = {"header": buttons.get("text", ""), "options": buttons["options"], "numbered_emojis": False}
            self.position.menu_stack = [frame]
            titles = tuple(o["title"] for o in buttons["options"])
            self.say("buttons", buttons.get("text", ""), titles, intent.name)
        elif "menu" in element:
            self.show_menu(self.bot.menus[element["menu"]])
        elif "go_to" in element:
            self.run_target(element["go_to"], via=f"go_to from {intent.name}")
        else:
            kind = next(iter(k for k in element if k != "when"))
            self.event("element_not_supported_yet", intent.name, element=kind)

    def show_menu(self, menu: Menu) -> None:
        frame = {"header": menu.header, "options": list(menu.options), "numbered_emojis": menu.numbered_emojis}
        self.position.menu_stack = [frame]
        self.show_frame(frame)

    def show_frame(self, frame: dict[str, Any]) -> None:
        lines = [frame["header"]] if frame["header"] else []
        for index, option in enumerate(frame["options"]):
            number = NUMBER_EMOJIS[index] if frame.get("numbered_emojis") else f"{index + 1}."
            lines.append(f"{number} {option['title']}")
        self.say("menu", "\n".join(lines), tuple(o["title"] for o in frame["options"]))

    # -- choosing an option of the menu or buttons on screen -----------------------------------
    def chosen_option(self, text: str) -> dict[str, Any] | None:
        if not self.position.menu_stack:
            return None
        options = self.position.menu_stack[-1]["options"]
        answer = text.strip()
        wanted = normalise(answer)
        for index, option in enumerate(options):
            if wanted and (wanted == str(index + 1) or wanted == normalise(option["title"])):
                return option
            if index < len(NUMBER_EMOJIS) and answer == NUMBER_EMOJIS[index]:
                return option
        return None

    def run_option(self, option: dict[str, Any]) -> None:
        self.event("option_selected", self.position.last_intent, title=option["title"])
        if option.get("back"):
            if len(self.position.menu_stack) > 1:
                self.position.menu_stack.pop()
            self.show_frame(self.position.menu_stack[-1])
        elif "submenu" in option:
            submenu = option["submenu"]
            frame = {
                "header": submenu.get("header", ""),
                "options": submenu["options"],
                "numbered_emojis": submenu.get("numbered_emojis", self.position.menu_stack[-1]["numbered_emojis"]),
            }
            self.position.menu_stack.append(frame)
            self.show_frame(frame)
        else:
            self.position.menu_stack = []
            if "text" in option:
                self.say("text", option["text"])
            if "go_to" in option:
                self.run_target(option["go_to"], via=f"option {option['title']}")
            if "assign" in option:
                assign = option["assign"] or {}
                self.say("text", assign.get("message") or FALLBACK_HANDOFF[self.bot.language])
                self.event("handoff_requested", self.position.last_intent, **{k: v for k, v in assign.items()
                                                                              if k in ("queue", "agent", "bot")})
            if "close" in option:
                close = option["close"] or {}
                if close.get("message"):
                    self.say("text", close["message"])
                self.position.closed = True
                self.event("session_closed", self.position.last_intent, by="customer_option")


def take_turn(bot: Bot, position: BotPosition, text: str, context: TurnContext) -> TurnOutcome:
    """Answer one customer message: session start, option choice, trigger match or not understood."""
    turn = _Turn(bot, position, context)
    now_iso = context.now.isoformat()
    if _session_expired(position, context):
        if position.session_id:
            turn.event("session_ended", reason="closed" if position.closed else "inactivity",
                       session_id=position.session_id)
        position.session_id = context.new_session_id
        position.session_started_at = now_iso
        position.closed = False
        position.menu_stack = []
        turn.event("session_started")
        starting = True
    else:
        starting = False
    position.last_activity_at = now_iso

    if not starting:
        option = turn.chosen_option(text)
        if option is not None:
            turn.run_option(option)
            return turn.outcome

    match = match_trigger(bot, text)
    if starting and bot.startup:
        turn.event("startup", bot.startup)
        turn.run_target(bot.startup, via="startup")
        if match and match.intent != bot.startup:
            turn.event("intent_matched", match.intent, confidence=match.confidence, how=match.how)
            turn.run_target(match.intent, via="trigger")
        return turn.outcome
    if match:
        turn.event("intent_matched", match.intent, confidence=match.confidence, how=match.how)
        turn.run_target(match.intent, via="trigger")
        return turn.outcome
    turn.event("not_understood")
    if bot.not_understood:
        turn.run_target(bot.not_understood, via="not_understood")
    else:
        turn.say("text", FALLBACK_NOT_UNDERSTOOD[bot.language])
    return turn.outcome


def _session_expired(position: BotPosition, context: TurnContext) -> bool:
    if not position.session_id or position.closed or not position.last_activity_at:
        return True
    last = datetime.fromisoformat(position.last_activity_at)
    return (context.now - last).total_seconds() > context.session_timeout_s
