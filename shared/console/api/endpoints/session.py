"""Sign-in, sign-out, the caller's profile and status, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from shared.agents.model import AGENT_STATUSES
from shared.console.api.fields import Field
from shared.console.api.routing import AGENT, PUBLIC, Call, Route
from shared.console.presence import change_status


def login(call: Call) -> dict[str, Any]:
    session = call.services.accounts.login(call.body["email"], call.body["password"])
    return {"token": session.token, "expires_at": session.expires_at.isoformat(), "workspace_id": session.workspace_id,
            "agent_id": session.agent_id, "role": session.role, "name": session.name}


def logout(call: Call) -> dict[str, Any]:
    call.services.accounts.logout(call.workspace_id, call.principal.agent_id)
    return {"signed_out": True}


def agent_profile(agent: Any) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "email": agent.email, "role": agent.role, "queues": list(agent.queues),
            "capacity": agent.capacity, "status": agent.status, "pause_reason": agent.pause_reason,
            "status_since": agent.status_since, "languages": list(agent.languages), "skills": list(agent.skills),
            "enabled": agent.enabled,
            "active_tickets": list(agent.active)}


def me(call: Call) -> dict[str, Any]:
    return agent_profile(call.services.directory.agent(call.workspace_id, call.principal.agent_id))


def set_status(services: Any, workspace_id: str, agent_id: str, status: str, reason: str) -> dict[str, Any]:
    return agent_profile(change_status(services, workspace_id, agent_id, status, reason))


def set_my_status(call: Call) -> dict[str, Any]:
    return set_status(call.services, call.workspace_id, call.principal.agent_id, call.body["status"],
                      call.body.get("reason", ""))


def openapi(call: Call) -> dict[str, Any]:
    from shared.console.api.endpoints import all_routes
    from shared.console.api.openapi import openapi_document

    return openapi_document(all_routes())


STATUS_FIELDS = {"status": Field("string", required=True, enum=AGENT_STATUSES),
                 "reason": Field("string", max_length=100, description="a pause reason (label or id); required"
                                                                       " to pause")}

ROUTES = [
    Route("GET", "/openapi.json", PUBLIC, "This document", openapi, tag="session"),
    Route("POST", "/login", PUBLIC, "Sign in with email and password; ends the user's older session", login,
          body={"email": Field("string", required=True, max_length=254),
                "password": Field("string", required=True, max_length=256)}, tag="session"),
    Route("POST", "/logout", AGENT, "End this session", logout, tag="session"),
    Route("GET", "/me", AGENT, "The signed-in user", me, tag="session"),
    Route("PUT", "/me/status", AGENT, "Go online, pause with a reason, or go offline", set_my_status,
          body=STATUS_FIELDS, tag="session"),
]
