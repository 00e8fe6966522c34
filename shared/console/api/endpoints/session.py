"""Sign-in, sign-out, the caller's profile and status, and their second factor."""

from __future__ import annotations

from typing import Any

from shared.agents.model import AGENT_STATUSES
from shared.console.api.fields import Field, stored_id
from shared.console.api.routing import ADMIN, AGENT, PUBLIC, Call, Route
from shared.console.sign_in import ConsoleSession, SecondStep


def session_json(session: ConsoleSession) -> dict[str, Any]:
    return {"token": session.token, "expires_at": session.expires_at.isoformat(), "workspace_id": session.workspace_id,
            "agent_id": session.agent_id, "role": session.role, "name": session.name}


def login(call: Call) -> dict[str, Any]:
    """The session, or the second step a code must complete (no session exists until then)."""
    answer = call.services.sign_in.login(call.body["email"], call.body["password"], call.client_address)
    if not isinstance(answer, SecondStep):
        return session_json(answer)
    step = {"second_step": answer.kind, "challenge": answer.challenge, "expires_at": answer.expires_at.isoformat()}
    if answer.kind == "enrol":
        from shared.console.two_factor import qr_code

        step.update(secret=answer.secret, otpauth_uri=answer.otpauth_uri, qr=qr_code(answer.otpauth_uri))
    return step


def complete_second_step(call: Call) -> dict[str, Any]:
    return session_json(call.services.sign_in.complete_second_step(call.body["challenge"], call.body["code"],
                                                                    call.client_address))


def start_two_factor(call: Call) -> dict[str, Any]:
    from shared.console.two_factor import qr_code

    enrolment = call.services.two_factor.start_enrolment(call.workspace_id, call.principal.agent_id)
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri, "qr": qr_code(enrolment.otpauth_uri)}


def confirm_two_factor(call: Call) -> dict[str, Any]:
    call.services.two_factor.confirm_enrolment(call.workspace_id, call.principal.agent_id, call.body["code"])
    return {"two_factor": True}


def disable_two_factor(call: Call) -> dict[str, Any]:
    call.services.two_factor.disable_two_factor(call.workspace_id, call.principal.agent_id, call.body["code"])
    return {"two_factor": False}


def reset_two_factor(call: Call) -> dict[str, Any]:
    """For a user who lost their device; NotFound for an agent of another workspace."""
    call.services.two_factor.reset_two_factor(call.workspace_id, call.params["agent_id"])
    return {"agent_id": call.params["agent_id"], "two_factor": False}


def logout(call: Call) -> dict[str, Any]:
    call.services.sign_in.logout(call.workspace_id, call.principal.agent_id)
    return {"signed_out": True}


def agent_profile(agent: Any) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "email": agent.email, "role": agent.role, "queues": list(agent.queues),
            "capacity": agent.capacity, "status": agent.status, "pause_reason": agent.pause_reason,
            "status_since": agent.status_since, "languages": list(agent.languages), "skills": list(agent.skills),
            "enabled": agent.enabled,
            "active_tickets": list(agent.active)}


def me(call: Call) -> dict[str, Any]:
    two_factor = call.services.two_factor
    return {**agent_profile(call.services.agents.agent(call.workspace_id, call.principal.agent_id)),
            "two_factor": two_factor.two_factor_on(call.workspace_id, call.principal.agent_id),
            "two_factor_required": two_factor.two_factor_required(call.workspace_id)}


def set_status(call: Call, agent_id: str, status: str, reason: str) -> dict[str, Any]:
    return agent_profile(call.services.presence.change_status(call.workspace_id, agent_id, status, reason))


def set_my_status(call: Call) -> dict[str, Any]:
    return set_status(call, call.principal.agent_id, call.body["status"], call.body.get("reason", ""))


STATUS_FIELDS = {"status": Field("string", required=True, enum=AGENT_STATUSES),
                 "reason": Field("string", max_length=100, description="one of the workspace's active pause"
                                                                       " reasons (label or id); required to pause")}

# 6 digits, with the spaces or dashes apps and people put between them (shared/console/two_factor.py).
CODE_FIELD = Field("string", required=True, max_length=20, pattern=r"[ \t-]*(?:[0-9][ \t-]*){6}",
                   description="the 6 digits the authenticator app shows")

ROUTES = [
    Route("POST", "/login", PUBLIC, "Sign in with email and password; ends the user's older session", login,
          body={"email": Field("string", required=True, max_length=254),
                "password": Field("string", required=True, max_length=256)}, tag="session", statuses=(401, 429)),
    Route("POST", "/login/second_step", PUBLIC, "Complete a sign-in with the code of the user's authenticator"
          " app; ends the user's older session", complete_second_step,
          body={"challenge": Field("string", required=True, max_length=256,
                                   description="the challenge POST /login answered"),
                "code": CODE_FIELD}, tag="session", statuses=(401, 429)),
    Route("POST", "/logout", AGENT, "End this session", logout, tag="session"),
    Route("GET", "/me", AGENT, "The signed-in user", me, tag="session"),
    Route("PUT", "/me/status", AGENT, "Go online, pause with a reason, or go offline", set_my_status,
          body=STATUS_FIELDS, tag="session"),
    Route("POST", "/me/two_factor", AGENT, "Start setting up two-factor sign-in: a new secret for an"
          " authenticator app, off until confirmed", start_two_factor, tag="session"),
    Route("PUT", "/me/two_factor", AGENT, "Turn two-factor sign-in on with a code from the new secret",
          confirm_two_factor, body={"code": CODE_FIELD}, tag="session"),
    Route("POST", "/me/two_factor/disable", AGENT, "Turn two-factor sign-in off with a current code",
          disable_two_factor, body={"code": CODE_FIELD}, tag="session", statuses=(429,)),
    Route("POST", "/users/{agent_id}/two_factor/reset", ADMIN, "Turn a user's two-factor sign-in off (a lost"
          " device); they set it up again when their workspace requires it", reset_two_factor, tag="team",
          params={"agent_id": stored_id()}),
]
