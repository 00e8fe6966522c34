"""``ask: {variable, text, retries, retry_text, on_fail}``: a question whose answer, checked by the
variable's type, is kept in the variable; the rest of the intent waits for it, across turns.

The answer may be the value alone or a sentence holding it ("mi mail es ana@example.com"): the variable's
type finds it (shared/bots/answer_types.py); a sentence holding two different values is asked again."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from shared.bots import limits
from shared.bots.answer_types import AMBIGUOUS, parse_answer_type, validate_answer
from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
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
        check.action(value["on_fail"], child_path(path, "on_fail"))
    check.asks(path, value)


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    variable = value["variable"]
    spec = turn.bot.variables.get(variable)
    turn.position.pending_ask = {
        "variable": variable, "type": spec.spec if spec else "text", "text": value["text"],
        "retry_text": value.get("retry_text", ""),
        "retries_left": value.get("retries", limits.DEFAULT_ASK_RETRIES),
        "on_fail": value.get("on_fail"), "resume": resume,
    }
    turn.position.menu_stack = []
    turn.say("text", value["text"])
    turn.event("question_asked", turn.position.last_intent, variable=variable)
    return False


def answer_question(turn: Turn, text: str) -> None:
    """The customer's message answers the pending question: keep it and go on, ask again, or give up."""
    ask = turn.position.pending_ask or {}
    answer_type = parse_answer_type(ask["type"], turn.bot.entities)
    local_today = turn.context.now.astimezone(ZoneInfo(turn.context.time_zone)).date()
    result = validate_answer(answer_type, text, turn.bot.language, local_today)
    if result.ok:
        turn.keep_variable(ask["variable"], result.value)
        turn.position.pending_ask = None
        turn.event("question_answered", turn.position.last_intent, variable=ask["variable"])
        resume = ask.get("resume")
        intent = turn.bot.intent(resume["intent"]) if resume else None
        if intent is not None:
            turn.run_intent(intent, start=resume["index"])
        return
    # The reason code only: the answer itself may be personal (an email, a phone) and events are kept for reports.
    turn.event("answer_invalid", turn.position.last_intent, variable=ask["variable"], reason=result.reason)
    if ask["retries_left"] > 0:
        ask["retries_left"] -= 1
        # Two values in one message ("2 o 3", two emails) is not a wrong answer: the default prompt says so.
        built_in = turn.phrase("retry_ambiguous" if result.reason == AMBIGUOUS else "retry")
        turn.say("text", ask.get("retry_text") or f"{built_in} {ask['text']}")
        return
    turn.position.pending_ask = None
    turn.event("question_failed", turn.position.last_intent, variable=ask["variable"])
    if ask.get("on_fail"):
        turn.run_action(ask["on_fail"])


ELEMENT = Element("ask", check, run, in_actions=True)
