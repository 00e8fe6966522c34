"""The bot engine: one customer message in, the bot's replies, events and effects out.

Pure logic over a ``Bot`` and a conversation's ``BotPosition``: the only outside
calls are the author's webhooks, through the injected ``WebhookCaller``. Effects
that must happen exactly once (hand-offs, emails, timers) are returned, not
performed, so the use case commits them with the state change.

The engine is the turn's mechanics (sessions, keywords, matching, sequences, menus on screen, hand-overs);
what each element of a bot file does is its own module's, found through the registry in
shared/bots/elements/.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.bots import limits, platform_intents
from shared.bots.definition import Bot, Intent, Menu
from shared.bots.elements import REGISTRY, ElementRegistry
from shared.bots.elements import ask as ask_element
from shared.bots.elements import menu as menu_element
from shared.bots.elements.base import Resume
from shared.bots.expressions import Condition, evaluate_condition
from shared.bots.first_message import beyond_greeting
from shared.bots.matching import match_trigger, normalise, said_inside
from shared.bots.suggestions import (
    intents_to_offer,
    nearest_in_topic,
    rank_nearest,
    refused_suggestions,
    refuses_suggestions,
    suggestions_frame,
    suggestions_on_screen,
)
from shared.bots.templates import greeting, render
from shared.bots.turn_types import (
    BotPosition,
    Effect,
    EngineEvent,
    IntentClassifier,
    Reply,
    TurnContext,
    TurnOutcome,
    variables_size,
)
from shared.kernel.limits import MAX_BOT_VARIABLES_BYTES, MAX_TAG_CHARS, MAX_TAGS, MAX_VARIABLES

# The engine's public face: the turn's data is defined in turn_types, and imported from here by use cases.
__all__ = [
    "BotPosition", "Effect", "EngineEvent", "IntentClassifier", "Reply", "TurnContext", "TurnOutcome",
    "back_from_people", "bot_in_charge", "handle_timer", "said_keyword", "session_is_live", "take_turn",
    "variables_size",
]

MAX_JUMPS_PER_TURN = 10
NUMBER_EMOJIS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")

PHRASES: dict[str, dict[str, str]] = {
    "not_understood": {"es": "Perdón, no te entendí.", "en": "Sorry, I did not understand that.",
                       "pt": "Desculpe, não entendi."},
    "handoff": {"es": "Te comunico con una persona del equipo.", "en": "I'm passing you to a person on our team.",
                "pt": "Vou te passar para uma pessoa da equipe."},
    "suggest": {"es": "¿Quisiste decir…?", "en": "Did you mean…?", "pt": "Você quis dizer…?"},
    "retry": {"es": "No pude validar tu respuesta. ¿Podés intentarlo de nuevo?",
              "en": "I couldn't validate that answer. Could you try again?",
              "pt": "Não consegui validar sua resposta. Pode tentar de novo?"},
    "retry_ambiguous": {"es": "Encontré más de una respuesta posible en tu mensaje; necesito una sola.",
                        "en": "I found more than one possible answer in your message; I need just one.",
                        "pt": "Encontrei mais de uma resposta possível na sua mensagem; preciso de uma só."},
    "invalid_option": {"es": "Elegí una de las opciones, por favor.", "en": "Please choose one of the options.",
                       "pt": "Escolha uma das opções, por favor."},
}


class _Turn:
    """One turn's mechanics: values, output, intents, sequences, menus on screen, hand-overs, sessions.
    What each element does is its module's (shared/bots/elements/); this is what the modules see as ``Turn``."""

    def __init__(self, bot: Bot, position: BotPosition, context: TurnContext,
                 elements: ElementRegistry = REGISTRY) -> None:
        self.bot = bot
        self.elements = elements
        self.position = position
        self.context = context
        self.outcome = TurnOutcome(position=position, bot_id=bot.id)
        self.jumps = 0
        self.pending_delay_ms = 0
        self._predictions: dict[str, Any] = {}  # the classifier's answer per text, asked once a turn

    # -- values, conditions, output -----------------------------------------------------------
    def values(self) -> dict[str, Any]:
        local = self.context.now.astimezone(ZoneInfo(self.context.time_zone))
        values: dict[str, Any] = dict(self.bot.constants)
        values.update(self.context.workspace_constants)
        values.update(self.position.variables)
        values.update({
            "contact.name": self.context.contact_name, "contact.phone": self.context.contact_phone,
            "contact.email": self.context.contact_email, "channel": self.context.channel,
            "language": self.bot.language, "greeting": greeting(self.bot.language, local),
            "now": local.strftime("%Y-%m-%d %H:%M"), "last_intent": self.position.last_intent,
            "topic": self.position.topic,
        })
        return values

    def holds(self, condition: str | Condition | None) -> bool:
        if not condition:
            return True
        parsed = condition if isinstance(condition, Condition) else self.bot.conditions.get(condition)
        values = self.values()
        return parsed.evaluate(values) if parsed is not None else evaluate_condition(condition, values)

    def render(self, template: str) -> str:
        return render(template, self.values(), self.bot.language)

    def phrase(self, key: str) -> str:
        return PHRASES[key][self.bot.language]

    def say(self, kind: str, text: str = "", options: tuple[str, ...] = (), intent: str = "",
            payload: dict[str, Any] | None = None) -> None:
        delay = self.pending_delay_ms + (self.bot.reply_delay_ms if self.outcome.replies else 0)
        self.pending_delay_ms = 0
        self.outcome.replies.append(Reply(kind, self.render(text) if text else "", options, payload or {},
                                          intent or self.position.last_intent, delay))

    def event(self, type_: str, intent: str = "", **detail: Any) -> None:
        self.outcome.events.append(EngineEvent(type_, intent, detail))

    def effect(self, kind: str, **data: Any) -> None:
        self.outcome.effects.append(Effect(kind, data))

    # -- intents and response sequences --------------------------------------------------------
    def run_target(self, name: str, via: str) -> None:
        self.jumps += 1
        if self.jumps > MAX_JUMPS_PER_TURN:
            self.event("jump_limit_reached", name, via=via)
            return
        intent = self.bot.intent(name)
        if intent is not None:
            self.run_intent(intent)
        elif name in self.bot.menus:
            self.show_menu(self.bot.menus[name])
        else:  # only after a hand-over to a bot that lacks it: validation checks each bot's own names
            self.event("target_missing", name, via=via, bot=self.bot.id)

    def run_intent(self, intent: Intent, start: int = 0) -> None:
        self.position.last_intent = intent.name
        self.position.topic = intent.topic
        self.run_sequence(intent.responses, intent.name, start)

    def run_sequence(self, elements: tuple[dict[str, Any], ...], intent: str, start: int = 0) -> bool:
        """Run elements in order; False when one of them ended the sequence (ask, go_to, close...)."""
        for index in range(start, len(elements)):
            element = elements[index]
            if not self.holds(element.get("when")):
                continue
            kind = next(k for k in element if k != "when")
            resume = {"intent": intent, "index": index + 1} if intent else None
            if not self.run_element(kind, element[kind], resume):
                return False
        return True

    def run_action(self, action: Mapping[str, Any]) -> bool:
        """An option, on_fail or on_error: its actions in the registry's order."""
        # all() stops at the first action that ends the sequence.
        return all(self.run_element(kind, action[kind], None) for kind in self.elements.action_names
                   if kind in action)

    def run_element(self, kind: str, value: Any, resume: Resume) -> bool:
        """False when the element ended the sequence it is in."""
        return self.elements[kind].run(self, value, resume)

    # -- menus --------------------------------------------------------------------------------
    def show_menu(self, menu: Menu) -> None:
        menu_element.show(self, menu)

    def show_frame(self, frame: dict[str, Any]) -> None:
        lines = [frame["header"]] if frame["header"] else []
        for index, option in enumerate(frame["options"]):
            number = NUMBER_EMOJIS[index] if frame.get("numbered_emojis") else f"{index + 1}."
            lines.append(f"{number} {option['title']}")
        # The header apart: channels with real buttons show it above them instead of the numbered lines.
        self.say("menu", "\n".join(lines), tuple(o["title"] for o in frame["options"]),
                 payload={"header": self.render(frame["header"]) if frame["header"] else ""})

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
        return self.yes_or_no_option(text, options)

    def run_option(self, option: dict[str, Any]) -> None:
        self.event("option_selected", self.position.last_intent, title=option["title"],
                   menu=self.position.menu_stack[-1].get("menu", ""))
        self.position.failed_attempts = 0
        if option.get("back"):
            if len(self.position.menu_stack) > 1:
                self.position.menu_stack.pop()
            self.show_frame(self.position.menu_stack[-1])
            return
        if "submenu" in option:
            submenu = option["submenu"]
            parent = self.position.menu_stack[-1]
            frame = {"header": submenu.get("header", ""),
                     "options": [o for o in submenu["options"] if self.holds(o.get("when"))],
                     "numbered_emojis": submenu.get("numbered_emojis", parent["numbered_emojis"]),
                     "menu": parent.get("menu", "")}
            self.position.menu_stack.append(frame)
            self.show_frame(frame)
            return
        self.position.menu_stack = []
        menu_element.cancel_timers(self)
        self.run_action(option)

    def option_not_chosen(self) -> bool:
        """A menu is on screen and the answer is none of its options: count it; True if handled."""
        frame = self.position.menu_stack[-1]
        menu = self.bot.menus.get(frame.get("menu", ""))
        if menu is None or menu.max_failed_attempts is None:
            return False
        self.position.failed_attempts += 1
        self.event("menu_option_invalid", menu=menu.name, attempts=self.position.failed_attempts)
        if self.position.failed_attempts >= menu.max_failed_attempts:
            chosen = next((o for o in menu.options if o["title"] == menu.on_max_failed), None)
            if chosen is not None:
                self.event("menu_attempts_exhausted", menu=menu.name, option=chosen["title"])
                self.run_option(chosen)
                return True
        self.say("text", menu.invalid_option_text or self.phrase("invalid_option"))
        self.show_frame(frame)
        return True

    # -- keywords, hand-overs, sessions -------------------------------------------------------
    def hand_over(self, bot_id: str, message: str, reason: str) -> bool:
        target = self.context.other_bots(bot_id)
        if target is None:
            self.event("bot_handover_failed", self.position.last_intent, bot=bot_id)
            return True
        if message:
            self.say("text", message)
        self.event("bot_handover", self.position.last_intent, to_bot=bot_id, from_bot=self.bot.id, reason=reason)
        self.bot = target
        self.position.bot_id = target.id
        self.position.menu_stack = []
        self.outcome.bot_id = target.id
        if target.startup:
            self.run_target(target.startup, via="handover")
        return False

    def add_tag(self, tag: str) -> None:
        tag = " ".join(tag.split())[:MAX_TAG_CHARS]  # one line, as the console's tags
        if not tag or tag in self.position.tags:
            return
        if len(self.position.tags) >= MAX_TAGS:
            self.event("tag_not_kept", self.position.last_intent, tag=tag, reason=f"at most {MAX_TAGS} tags")
            return
        self.position.tags.append(tag)
        self.event("tag_added", self.position.last_intent, tag=tag)

    def keep_variable(self, name: str, value: Any) -> None:
        if not self.position.keeps_variable(name, value):
            self.event("variable_not_kept", self.position.last_intent, variable=name,
                       reason=f"at most {MAX_VARIABLES} variables of {MAX_BOT_VARIABLES_BYTES} bytes in all")

    def close(self, by: str) -> None:
        self.position.closed = True
        self.position.menu_stack = []
        self.position.pending_ask = None
        menu_element.cancel_timers(self)
        self.event("session_closed", self.position.last_intent, by=by)

    def run_matched(self, intent_name: str, confidence: float, how: str) -> None:
        platform = platform_intents.name_of(intent_name)
        if platform is not None and intent_name not in self.bot.intents:
            self.run_platform(platform, confidence, how)
            return
        self.event("intent_matched", intent_name, confidence=confidence, how=how)
        # The customer moved on: options (and timers) of an earlier menu no longer apply.
        self.position.menu_stack = []
        menu_element.cancel_timers(self)
        intent = self.bot.intents[intent_name]
        self.add_tag(intent.topic)
        self.run_target(intent_name, via=how)

    def match(self, text: str) -> tuple[str, float, str] | None:
        """The intent the message asks for: a bot intent, or a platform intent's label ("platform.thanks")."""
        allowed = {name for name, intent in self.bot.intents.items() if self.holds(intent.when)}
        found = match_trigger(self.bot, text, allowed)
        if found and found.how == "exact":
            return found.intent, found.confidence, found.how
        prediction = self.prediction(text)
        platform = self.platform_prediction(prediction)
        # Asking for a person wins over all but the author's exact trigger: a ticket, never a mute or a menu.
        if platform == platform_intents.HUMAN:
            return prediction.intent, float(prediction.confidence), "classifier"
        if found:
            return found.intent, found.confidence, found.how
        if prediction is not None and prediction.intent in allowed:
            return prediction.intent, float(prediction.confidence), "classifier"
        if platform is not None:
            return prediction.intent, float(prediction.confidence), "classifier"
        return None

    # -- platform intents (shared/bots/platform_intents.py) ---------------------------------------
    def prediction(self, text: str) -> Any | None:
        if self.context.classifier is None:
            return None
        if text not in self._predictions:
            self._predictions[text] = self.context.classifier.predict(text)
        return self._predictions[text]

    def platform_prediction(self, prediction: Any | None) -> str | None:
        """The platform intent the model predicted, if the bot keeps it and it applies now (a yes or a no
        without a yes/no question on screen only when the bot's file says what to do with it)."""
        name = platform_intents.name_of(str(prediction.intent or "")) if prediction is not None else None
        if name is None:
            return None
        setting = self.bot.platform_intent(name)
        if not setting.enabled:
            return None
        if name in (platform_intents.YES, platform_intents.NO) and setting.action is None:
            return None  # an answer to a question on screen is chosen_option's; alone it means nothing
        if name == platform_intents.OPT_OUT and float(prediction.confidence) < platform_intents.OPT_OUT_MIN_CONFIDENCE:
            return None
        return name

    def asked_for_a_person(self, text: str) -> str:
        """How the message asks for a person: "keyword" (the bot's keywords.human, found inside the message),
        "platform" (the platform's shipped phrases, unless the bot switched human off), or ""."""
        if said_inside(text, self.bot.keywords.human):
            return "keyword"
        if self.bot.platform_intent(platform_intents.HUMAN).enabled and platform_intents.asks_for_a_person(text):
            return "platform"
        return ""

    def person_requested(self, by: str) -> None:
        """Hand the conversation to people: the file's platform_intents.human, else keywords.human_queue. Whatever
        the file's choice runs, it ends with a ticket: never a mute, never the bot going on alone."""
        self.event("human_requested", self.position.last_intent, by=by)
        self.position.menu_stack = []
        menu_element.cancel_timers(self)
        action = self.bot.platform_intent(platform_intents.HUMAN).action
        if action is not None:
            self.run_action(action)
        if self.position.handoff is None:  # what the file named ended elsewhere (a mute, a question, a bot)
            self.position.pending_ask = None
            self.run_element("assign", {"queue": self.bot.keywords.human_queue}, None)
        self.position.muted_until = ""

    def run_platform(self, name: str, confidence: float, how: str) -> None:
        """A platform intent the bot has no intent of its own for: the file's choice, else the platform's."""
        if name == platform_intents.HUMAN:
            self.person_requested(by=how)
            return
        intent = platform_intents.label(name)
        self.event("intent_matched", intent, confidence=confidence, how=how)
        self.position.menu_stack = []
        menu_element.cancel_timers(self)
        if name == platform_intents.OPT_OUT:
            # Recorded whatever the file says next: the contact book keeps it per channel (the resolver writes it).
            self.event(platform_intents.OPTED_OUT_EVENT, intent, channel=self.context.channel)
        if name == platform_intents.GREETING and any(e.type == "startup" for e in self.outcome.events):
            return  # the session's start greeted already
        self.position.last_intent = intent
        action = self.bot.platform_intent(name).action
        if action is not None:
            self.run_action(action)
        elif name == platform_intents.GREETING and self.bot.startup:
            self.run_target(self.bot.startup, via=intent)
        elif name in platform_intents.REPLIES:
            self.say("text", platform_intents.REPLIES[name][self.bot.language], intent=intent)

    def yes_or_no_option(self, text: str, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        """On a yes/no question ("Sí, agendar" / "No, gracias"), the option a yes or a no answers: from the
        message's first word ("sí, dale"), else the model's platform.yes / platform.no."""
        answered_by = [platform_intents.yes_or_no(str(o.get("title", ""))) for o in options]
        yes_options = [o for o, a in zip(options, answered_by, strict=True) if a == platform_intents.YES]
        no_options = [o for o, a in zip(options, answered_by, strict=True) if a == platform_intents.NO]
        if len(yes_options) != 1 or len(no_options) != 1:
            return None
        said = platform_intents.yes_or_no(text)
        if said is None:
            name = platform_intents.name_of(str(getattr(self.prediction(text), "intent", "") or ""))
            said = name if name in (platform_intents.YES, platform_intents.NO) else None
        if said is None or not self.bot.platform_intent(said).enabled:
            return None
        self.event("platform_answer", platform_intents.label(said))
        return yes_options[0] if said == platform_intents.YES else no_options[0]

    def not_understood(self, text: str) -> None:
        """Nothing matched: a bot of the flow whose expertise fits, the current topic's nearest intent, the nearest
        intents as buttons, then the bot's not-understood intent. Nearest by the model's scores, never an intent the
        customer just refused (shared/bots/suggestions.py)."""
        self.event("not_understood", self.position.last_intent)
        refused = refused_suggestions(self.position.menu_stack)
        if refused:
            said_no = refuses_suggestions(text)
            self.event("suggestions_refused", suggestions=self.position.menu_stack[-1]["suggested"],
                       how="said_no" if said_no else "ignored")
            if said_no:
                self.not_understood_fallback()
                return
        allowed = {name for name, intent in self.bot.intents.items() if intent.triggers and self.holds(intent.when)}
        for other in self.context.expertise_bots:
            found = match_trigger(other, text)
            words = set(normalise(text).split())
            if found or words & {normalise(w) for w in other.expertise}:
                self.hand_over(other.id, "", reason="expertise")
                if found and other.intent(found.intent):
                    self.run_matched(found.intent, found.confidence, found.how)
                return
        ranking = rank_nearest(self.bot, text, allowed, self.prediction(text))  # the model's, asked once a turn
        if self.bot.related_topic and self.position.topic:
            topic_of = {name: intent.topic for name, intent in self.bot.intents.items()}
            in_topic = nearest_in_topic(ranking, topic_of, self.position.topic, refused)
            if in_topic is not None:
                self.event("not_understood_related_topic", in_topic, topic=self.position.topic,
                           ranked_by=ranking.ranked_by)
                self.run_target(in_topic, via="related_topic")
                return
        offered = intents_to_offer(ranking, refused)
        if self.bot.related_intents and offered:
            self.event("not_understood_suggestions", suggestions=offered, ranked_by=ranking.ranked_by)
            options = [{"title": _title_of(self.bot.intents[n]), "go_to": n} for n in offered]
            self.position.menu_stack = [suggestions_frame(self.phrase("suggest"), options, offered, refused)]
            self.say("buttons", self.phrase("suggest"), tuple(o["title"] for o in options))
            return
        self.not_understood_fallback()

    def not_understood_fallback(self) -> None:
        """The chain's last step: the bot's not-understood intent, or the platform's phrase."""
        self.event("not_understood_fallback", self.bot.not_understood or "")
        if self.bot.not_understood:
            self.run_target(self.bot.not_understood, via="not_understood")
        else:
            self.say("text", self.phrase("not_understood"))


def _title_of(intent: Intent) -> str:
    title = intent.triggers[0].capitalize() if intent.triggers else intent.name.replace("_", " ").capitalize()
    return title if len(title) <= limits.MAX_BUTTON_TITLE_CHARS else title[: limits.MAX_BUTTON_TITLE_CHARS - 1] + "…"


def said_keyword(text: str, phrases: tuple[str, ...]) -> bool:
    """The message is one of the keyword's phrases, whatever its case, accents and punctuation: how the
    commands pause_bot and resume_bot are said (normalised, "#pausa" is "pausa": found inside a message, a
    command would fire on everyday words). keywords.human is found inside a message (_Turn.asked_for_a_person)."""
    message = normalise(text)
    return bool(message) and any(normalise(p) == message for p in phrases)


def take_turn(bot: Bot, position: BotPosition, text: str, context: TurnContext,
              elements: ElementRegistry = REGISTRY) -> TurnOutcome:
    """Answer one customer message: keywords, session start, question, option, trigger, or not understood."""
    turn = _Turn(bot, position, context, elements)
    now_iso = context.now.isoformat()
    keywords = bot.keywords
    if said_keyword(text, keywords.resume_bot):
        position.paused, position.muted_until, position.handoff = False, "", None
        turn.event("bot_resumed", by="keyword")
        position.last_activity_at = now_iso
        return turn.outcome
    if said_keyword(text, keywords.pause_bot):
        position.paused = True
        turn.event("bot_paused", by="keyword")
        position.last_activity_at = now_iso
        return turn.outcome
    starting = _session_expired(position, context)
    if starting:
        if position.session_id:
            turn.event("session_ended", reason="closed" if position.closed else "inactivity",
                       session_id=position.session_id)
        carried = {"variables": position.variables, "tags": position.tags, "paused": position.paused}
        position.__dict__.update(BotPosition().__dict__)
        position.variables, position.tags, position.paused = (carried["variables"], carried["tags"],
                                                              carried["paused"])
        # A session started by another bot (its language fitted the customer's) stays with it.
        position.bot_id = bot.id if context.channel_bot_id and bot.id != context.channel_bot_id else ""
        position.session_id = context.new_session_id
        position.session_started_at = now_iso
        turn.event("session_started")
    position.last_activity_at = now_iso
    position.turn += 1

    muted = position.muted_until and position.muted_until > now_iso
    if position.paused or muted or position.handoff:
        turn.event("message_while_bot_muted", reason="paused" if position.paused else
                   "muted" if muted else "with_agent")
        return turn.outcome
    asked = turn.asked_for_a_person(text)
    if asked:
        turn.person_requested(by=asked)
        return turn.outcome
    if bot.platform_intent(platform_intents.OPT_OUT).enabled and platform_intents.opts_out(text):
        turn.run_platform(platform_intents.OPT_OUT, 1.0, "keyword")
        return turn.outcome
    if position.pending_ask:
        ask_element.answer_question(turn, text)
        return turn.outcome
    if not starting:
        option = turn.chosen_option(text)
        if option is not None:
            turn.run_option(option)
            return turn.outcome
        if suggestions_on_screen(position.menu_stack) and refuses_suggestions(text):
            turn.not_understood(text)  # "no" to "¿Quisiste decir…?": never matched as an intent
            return turn.outcome

    # With options on screen, a bare number or number emoji answers the menu: never an intent.
    answers_menu = bool(position.menu_stack) and (text.strip().isdigit() or text.strip() in NUMBER_EMOJIS)
    match = None if answers_menu else turn.match(text)
    if starting and bot.startup:
        turn.event("startup", bot.startup)
        turn.run_target(bot.startup, via="startup")
        # Greeting once, then the question the first message carries beyond its greeting, if any.
        question = match if match and not _greets(bot, match[0]) else _question_beyond_greeting(turn, text)
        if question and not position.pending_ask:
            turn.run_matched(*question)
        return turn.outcome
    if match:
        turn.run_matched(*match)
        return turn.outcome
    if position.menu_stack and turn.option_not_chosen():
        return turn.outcome
    turn.not_understood(text)
    return turn.outcome


def _question_beyond_greeting(turn: _Turn, text: str) -> tuple[str, float, str] | None:
    """The intent the first message asks for once its greeting words are out (shared/bots/first_message.py),
    matched as any message; None for a greeting alone or when the rest matches nothing but the greeting."""
    startup = turn.bot.intent(turn.bot.startup or "")
    rest = beyond_greeting(text, startup.triggers if startup else ())
    if not rest:
        return None
    found = turn.match(rest)
    return found if found and not _greets(turn.bot, found[0]) else None


def _greets(bot: Bot, intent: str) -> bool:
    """The intent is a greeting: the bot's startup intent or the platform's greeting."""
    return intent == bot.startup or platform_intents.name_of(intent) == platform_intents.GREETING


def handle_timer(bot: Bot, position: BotPosition, action: str, token: str, context: TurnContext,
                 elements: ElementRegistry = REGISTRY) -> TurnOutcome:
    """A menu's reminder or automatic resolution, if the customer is still looking at that menu."""
    turn = _Turn(bot, position, context, elements)
    muted = position.muted_until and position.muted_until > context.now.isoformat()
    if (position.closed or position.menu_token != token or not position.menu_stack or position.paused or muted
            or position.handoff):
        turn.event("timer_obsolete", action=action)
        return turn.outcome
    menu = bot.menus.get(position.menu_stack[0].get("menu", ""))
    if menu is None:
        return turn.outcome
    if action == "menu_reminder" and menu.reminder_text:
        turn.event("menu_reminder_sent", menu=menu.name)
        turn.say("text", menu.reminder_text)
    elif action == "menu_resolve":
        if menu.farewell:
            turn.say("text", menu.farewell)
        position.menu_token = ""
        turn.close("menu_timeout")
    return turn.outcome


def back_from_people(bot: Bot, position: BotPosition, menu_name: str, context: TurnContext,
                     elements: ElementRegistry = REGISTRY) -> TurnOutcome:
    """An agent hands the customer back to the bot, which shows one of its menus."""
    turn = _Turn(bot, position, context, elements)
    now_iso = context.now.isoformat()
    position.handoff, position.paused, position.muted_until = None, False, ""
    if not session_is_live(position, context.now, context.session_timeout_s) and context.new_session_id:
        position.session_id, position.session_started_at, position.closed = context.new_session_id, now_iso, False
        turn.event("session_started")
    position.last_activity_at = now_iso
    position.turn += 1
    turn.event("returned_to_bot", menu=menu_name)
    turn.show_menu(bot.menus[menu_name])
    return turn.outcome


def session_is_live(position: BotPosition, now: datetime, session_timeout_s: int) -> bool:
    if not position.session_id or position.closed or not position.last_activity_at:
        return False
    return (now - datetime.fromisoformat(position.last_activity_at)).total_seconds() <= session_timeout_s


def bot_in_charge(position: BotPosition, now: datetime, session_timeout_s: int) -> str:
    """The bot a hand-over put in charge, while its session lasts; empty: the channel's own bot."""
    if not position.bot_id or position.closed or not position.last_activity_at:
        return ""
    idle = (now - datetime.fromisoformat(position.last_activity_at)).total_seconds()
    return position.bot_id if idle <= session_timeout_s else ""


def _session_expired(position: BotPosition, context: TurnContext) -> bool:
    if not position.session_id or position.closed or not position.last_activity_at:
        return True
    last = datetime.fromisoformat(position.last_activity_at)
    return (context.now - last).total_seconds() > context.session_timeout_s
