"""The agents' private channels: with one agent, or the whole team."""

from __future__ import annotations

from typing import Any

from shared.console.api.fields import MAX_ID_CHARS, STORED_ID_PATTERN, Field, text
from shared.console.api.routing import AGENT, Call, Route
from shared.console.api.services import MAX_LONG_POLL_S
from shared.console.team_chat import MAX_TEXT


def read_team_chat(call: Call) -> dict[str, Any]:
    chat = call.services.team_chat
    q = call.query
    wait = min(q.get("wait", 0), MAX_LONG_POLL_S)
    args = (call.workspace_id, call.principal.agent_id, q.get("with", ""))
    found = (chat.wait_for(*args, q["since"], wait) if wait and q.get("since")
             else chat.read(*args, q.get("since", "")))
    return {"messages": [m.to_dict() for m in found]}


def post_team_chat(call: Call) -> dict[str, Any]:
    chat = call.services.team_chat
    b = call.body
    return chat.post(call.workspace_id, call.principal.agent_id, b.get("to", ""), b["text"],
                     b["client_message_id"]).to_dict()


ROUTES = [
    Route("GET", "/team_chat", AGENT, "Messages with one agent (with=id) or the whole team; long-poll with since"
          " and wait", read_team_chat, tag="team chat",
          query={"with": Field("string", max_length=MAX_ID_CHARS), "since": Field("string", max_length=100),
                 "wait": Field("integer", minimum=0, maximum=MAX_LONG_POLL_S)}),
    Route("POST", "/team_chat", AGENT, "Write to one agent (to=id) or the whole team", post_team_chat,
          body={"to": Field("string", max_length=MAX_ID_CHARS, pattern=f"(?:{STORED_ID_PATTERN})?",
                            description="an agent of the workspace; the whole team when empty"),
                "text": text(MAX_TEXT, required=True),
                "client_message_id": Field("string", required=True, min_length=1, max_length=100)}, tag="team chat"),
]
