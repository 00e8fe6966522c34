"""Property: no request to webhook_webchat, however odd its body, query string or headers, with the
visitor's token, another visitor's, a made-up one or none, gets a 5xx or leaves anything half-written.

Each example posts a visitor's message (or polls its replies) through the function's entry point on a
real embedded platform (SQLite store and bus), starting from a valid request and mutating it: fields
dropped, added or given other types and odd unicode, the token swapped, the body not JSON at all.

"Nothing half-written": a refused request (4xx) published nothing and stored nothing (no claim of a
visitor, no redelivery marker); an accepted message (202) published exactly one inbound message, or none
when it repeats one already taken, and answered with the token of the visitor it was written for; a poll
reads and never writes. Reproducible: derandomized, no example database; bounded to stay under ~30 s.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shared.channels.webchat import WEBCHAT
from shared.channels.webchat_tokens import VISITOR_KEY_SECRET, VISITOR_TOKEN_HEADER, VisitorTokens
from shared.conversations.store_names import CONVERSATIONS, PROCESSED
from shared.events import topics
from tests.support.webhook_calls import WebhookPlatform, webhook_platform

SITE = "fuzz-site"
KEY = "fuzz-webchat-visitor-key-" + "k" * 40
KNOWN_VISITOR, OTHER_VISITOR = "v_known_visitor_01", "v_other_visitor_02"
TOKENS = VisitorTokens(KEY.encode())
FUZZ = settings(max_examples=600, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
WRITTEN = (WEBCHAT, CONVERSATIONS, PROCESSED)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    with webhook_platform(tmp_path_factory.mktemp("webchat-fuzz") / "data") as hooks:
        hooks.secrets["CHARLA_SECRET_" + VISITOR_KEY_SECRET.upper().replace("-", "_")] = KEY
        hooks.connect("webchat", SITE)
        # A visitor with a conversation already: a message without its token must not get in.
        first = post(hooks, {"site": SITE, "visitor_id": KNOWN_VISITOR, "text": "hola"}, {})
        assert first.status_code == 202, first.get_data(as_text=True)
        hooks.drain()
        yield hooks


def post(hooks: WebhookPlatform, body: Any, headers: dict[str, str], raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    return hooks.post("webhook_webchat", data, {"Content-Type": "application/json", **headers})


def stored(hooks: WebhookPlatform) -> dict[str, dict[str, Any]]:
    return {collection: {d.id: d.data for d in hooks.platform.store.query(collection, [])} for collection in WRITTEN}


# -- strategies --------------------------------------------------------------------------------------------

ODD_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\u0000", "\ud7ff\U0010ffff", "a" * 5000,
                                                            "<script>", "../../etc", "v_" + "x" * 70]))
ODD_VALUE = st.one_of(ODD_TEXT, st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                      st.floats(allow_nan=False), st.lists(st.integers(), max_size=3),
                      st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
NEW_VISITORS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=8, max_size=20).map("v_".__add__)
VISITOR_IDS = st.one_of(st.sampled_from([KNOWN_VISITOR, OTHER_VISITOR]), NEW_VISITORS, NEW_VISITORS)
FIELDS = ("site", "visitor_id", "text", "message_id", "name")


@st.composite
def bodies(draw) -> Any:
    body: dict[str, Any] = {"site": SITE, "visitor_id": draw(VISITOR_IDS), "text": "hola",
                            "message_id": "m_" + draw(st.text(alphabet="abcdef0123456789", min_size=8, max_size=16)),
                            "name": "Ana"}
    mutated = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))  # half of the bodies are valid: tokens get fuzzed
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=mutated, max_size=mutated, unique=True)):
        if draw(st.booleans()):
            del body[field]
        else:
            body[field] = draw(ODD_VALUE)
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.text(min_size=1, max_size=8))] = draw(ODD_VALUE)
    if draw(st.integers(0, 14)) == 0:
        return draw(st.one_of(st.lists(st.integers(), max_size=2), st.text(max_size=10), st.none()))
    return body


def token_for(draw, visitor: Any) -> dict[str, str]:
    """The token header: the visitor's own, another visitor's, another site's, made up, or none."""
    choice = draw(st.sampled_from(["own", "other", "other site", "made up", "none", "none"]))
    if choice == "none":
        return {}
    if choice == "made up":
        return {VISITOR_TOKEN_HEADER: draw(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                                                   max_size=120))}
    owner = visitor if isinstance(visitor, str) else KNOWN_VISITOR
    if choice == "other":
        owner = OTHER_VISITOR if owner != OTHER_VISITOR else KNOWN_VISITOR
    site = "another-site" if choice == "other site" else SITE
    return {VISITOR_TOKEN_HEADER: TOKENS.issue(site, owner)}


@st.composite
def posts(draw) -> tuple[Any, dict[str, str], bytes | None]:
    if draw(st.integers(0, 11)) == 0:  # not JSON, or not UTF-8 at all
        return None, {}, draw(st.one_of(st.binary(max_size=60), st.just(b"{"), st.just(b"\xff\xfe{}")))
    body = draw(bodies())
    visitor = body.get("visitor_id") if isinstance(body, dict) else None
    headers = token_for(draw, visitor)
    if draw(st.integers(0, 5)) == 0:
        headers["X-Forwarded-For"] = draw(st.sampled_from(["1.2.3.4", "::1", "not an address"]))
    return body, headers, None


@st.composite
def polls(draw) -> tuple[str, dict[str, str]]:
    visitor = draw(VISITOR_IDS)
    query: dict[str, Any] = {"site": SITE, "visitor_id": visitor, "after": draw(st.integers(0, 3)), "wait": "0"}
    odd = {"site": st.one_of(st.just("nowhere"), ODD_TEXT), "visitor_id": ODD_TEXT,
           "after": st.one_of(st.integers(-3, 10**20).map(str), ODD_TEXT),
           # Never a wait that holds the request: only 0 and values the function refuses.
           "wait": st.sampled_from(["0.0", "-1", "nan", "inf", "26", "1e9", "x", ""])}
    mutated = draw(st.sampled_from([0, 0, 0, 1, 1, 2]))
    for name in draw(st.lists(st.sampled_from(sorted(query)), min_size=mutated, max_size=mutated, unique=True)):
        if draw(st.booleans()):
            del query[name]
        else:
            query[name] = draw(odd[name])
    return urlencode(query), token_for(draw, visitor)


# -- properties --------------------------------------------------------------------------------------------

@FUZZ
@given(request=posts())
def test_a_posted_message_is_never_a_5xx_nor_half_written(hooks, request):
    body, headers, raw = request
    before = stored(hooks)
    response = post(hooks, body, headers, raw)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)
    published = hooks.published()
    if response.status_code >= 400:
        assert "error" in response.get_json()
        assert not any(published.values()), "a refused message published something"
        assert stored(hooks) == before, "a refused message wrote something"
        return
    assert response.status_code == 202
    answer = response.get_json()
    assert TOKENS.matches(answer["visitor_token"], SITE, answer["visitor_id"])
    assert published[topics.INBOUND] == (0 if answer["duplicate"] else 1)


@settings(FUZZ, max_examples=400)
@given(request=polls())
def test_a_poll_is_never_a_5xx_and_never_writes(hooks, request):
    query, headers = request
    before = stored(hooks)
    response = hooks.post("webhook_webchat", b"", headers, query=query, method="GET")
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 200:
        assert headers and response.get_json()["cursor"] >= 0
    else:
        assert set(response.get_json()) == {"error"}, "a refused poll shows nothing but the reason"
    assert stored(hooks) == before
    assert not any(hooks.published().values())
