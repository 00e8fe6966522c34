"""``webhook: {url, method, headers, body, timeout_ms, save, on_error}``: one HTTP call to the author's
service, through the injected ``WebhookCaller``; parts of its JSON answer go into variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from shared.bots import limits
from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.json_path import MISSING, read_path
from shared.bots.templates import format_value, render
from shared.bots.yaml_source import child_path
from shared.ports.webhook_caller import WebhookFailed, WebhookRequest


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with url, method, save and on_error"):
        return
    check.calls_webhooks()
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
        check.action(value["on_error"], child_path(path, "on_error"))


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    values = turn.values()
    # The customer's own values go into the URL escaped: they must not change its path or query.
    url_values = {k: quote(format_value(v), safe="") if k in turn.position.variables or k.startswith("contact.")
                  else v for k, v in values.items()}
    request = WebhookRequest(
        method=str(value.get("method", "GET")).upper(),
        url=render(value["url"], url_values),
        headers=tuple((str(k), render(str(v), values)) for k, v in (value.get("headers") or {}).items()),
        json_body=_render_deep(value.get("body"), values),
        timeout_s=value.get("timeout_ms", 3000) / 1000,
    )
    try:
        if turn.context.webhooks is None:
            raise WebhookFailed("no webhook caller configured")
        response = turn.context.webhooks.call(request)
    except WebhookFailed as exc:
        turn.event("webhook_failed", turn.position.last_intent, reason=str(exc)[:300])
        if value.get("on_error"):
            turn.run_action(value["on_error"])
            return False
        return True
    for variable, path in (value.get("save") or {}).items():
        found = read_path(response.body, path)
        if found is MISSING:
            turn.position.variables.pop(variable, None)
        else:
            turn.keep_variable(variable, found)
    turn.event("webhook_called", turn.position.last_intent, status=response.status)
    return True


def _render_deep(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, dict):
        return {k: _render_deep(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_deep(v, values) for v in value]
    return value


ELEMENT = Element("webhook", check, run, in_actions=True)
