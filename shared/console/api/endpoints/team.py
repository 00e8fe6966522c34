"""The team: the supervisors' monitor and their hold on agents; users and queues for admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.agents.hours import DAYS
from shared.agents.model import ROLES, Agent, Queue
from shared.console.api.endpoints.session import STATUS_FIELDS, agent_profile, set_status
from shared.console.api.fields import TIME_ZONE, Field, stored_id, text
from shared.console.api.routing import ADMIN, ROLE_RANK, SUPERVISOR, Call, Route
from shared.console.login_records import normalised_email
from shared.console.passwords import check_password_policy
from shared.kernel.errors import AlreadyExists, Forbidden, InvalidField, InvalidInput, NotFound
from shared.kernel.limits import (
    EMAIL_INPUT_PATTERN,
    MAX_AGENT_LIST_ITEM_CHARS,
    MAX_AGENT_NAME_CHARS,
    MAX_CAPACITY,
    MAX_INTERVALS_A_DAY,
    MAX_QUEUE_PRIORITY,
    MAX_QUEUE_WAIT_S,
    WHITESPACE,
)
from shared.kernel.limits import PASSWORD_MAX_CHARS as PASSWORD_MAX
from shared.kernel.limits import PASSWORD_MIN_CHARS as PASSWORD_MIN
from shared.kernel.logs import log


def monitor(call: Call) -> dict[str, Any]:
    return call.services.monitor.snapshot(call.workspace_id).to_dict()


def _held_by_the_caller(call: Call) -> Agent:
    """The user the path names, if the caller's role is not below theirs: a supervisor pauses or signs out
    agents and supervisors, never an admin. NotFound for another workspace's."""
    agent = call.services.agents.agent(call.workspace_id, call.params["agent_id"])
    if ROLE_RANK[agent.role] > ROLE_RANK[call.principal.role]:
        raise Forbidden(f"user {agent.id!r} is {agent.role}; a {call.principal.role} cannot change their status"
                        " or end their session")
    return agent


def set_agent_status(call: Call) -> dict[str, Any]:
    agent_id = _held_by_the_caller(call).id
    return set_status(call, agent_id, call.body["status"], call.body.get("reason", ""))


def log_agent_out(call: Call) -> dict[str, Any]:
    """Ends the agent's session and takes them offline; their chats stay theirs until reassigned."""
    agent_id = _held_by_the_caller(call).id
    call.services.sign_in.logout(call.workspace_id, agent_id)
    return set_status(call, agent_id, "offline", "")


def list_users(call: Call) -> dict[str, Any]:
    with_code = call.services.two_factor.users_with_two_factor(call.workspace_id)
    return {"users": [{**agent_profile(a), "two_factor": a.id in with_code}
                      for a in call.services.agents.agents_of(call.workspace_id)]}


def _save_user(call: Call, agent: Agent, email_before: str = "") -> dict[str, Any]:
    """Everything that can refuse the request is checked before anything is written, so a refused
    request leaves nothing behind (a new user without the password they were meant to have, say).

    An email that signs in to a user of another workspace is not said to be one: the user is saved and
    gets no login, answered exactly as if they had one, and the operators' log says why (emails are
    unique across workspaces because sign-in names none; telling an admin would tell them who uses
    the platform elsewhere). One held in the admin's own workspace is named: they see those users.
    """
    logins, password = call.services.logins, call.body.get("password")
    if password:
        try:
            check_password_policy(password, email=agent.email)
        except InvalidInput as exc:
            raise InvalidField("password", str(exc).removeprefix("password ")) from None
        if not normalised_email(agent.email):
            raise InvalidField("email", "a user needs an email to sign in with a password")
    holder = logins.sign_in_holder(agent.email) if password else None
    if holder is not None and holder[0] == call.workspace_id and holder[1] != agent.id:
        raise AlreadyExists(f"email: {normalised_email(agent.email)} already signs in as user {holder[1]!r}")
    elsewhere = holder is not None and holder[0] != call.workspace_id
    saved = call.services.agents.save_agent(agent, keep_an_admin=True)
    if password and not elsewhere:
        try:
            logins.set_password(call.workspace_id, saved.id, password)
        except AlreadyExists:  # taken meanwhile; said as above
            holder = logins.sign_in_holder(agent.email)
            if holder is None or holder[0] == call.workspace_id:
                raise
            elsewhere = True
    if elsewhere or (not password and normalised_email(saved.email) != normalised_email(email_before)):
        # The login is kept under the email; a new email needs a new password (the admin sets one).
        logins.forget_login(call.workspace_id, saved.id)
    if elsewhere:
        log("WARNING", "console user saved without a login: their email signs in to another workspace",
            function="console_api", event="login_email_elsewhere", workspace_id=call.workspace_id,
            agent_id=saved.id, holder_workspace_id=holder[0] if holder else "")
    return agent_profile(saved)


USER_FIELDS = ("name", "email", "role", "queues", "capacity", "languages", "skills", "enabled")


def create_user(call: Call) -> dict[str, Any]:
    try:
        call.services.agents.agent(call.workspace_id, call.body["id"])
        raise AlreadyExists(f"user {call.body['id']!r} already exists")
    except NotFound:
        pass
    values = {k: call.body[k] for k in USER_FIELDS if k in call.body}
    agent = Agent(id=call.body["id"], workspace_id=call.workspace_id, **values)
    return _save_user(call, agent)


def edit_user(call: Call) -> dict[str, Any]:
    current = call.services.agents.agent(call.workspace_id, call.params["agent_id"])
    if call.params["agent_id"] == call.principal.agent_id and call.body.get("enabled") is False:
        raise InvalidField("enabled", "an admin cannot disable their own user")
    changes = {k: call.body[k] for k in USER_FIELDS if k in call.body}
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    edited = _save_user(call, replace(current, **changes), email_before=current.email)
    if call.body.get("enabled") is False:
        call.services.sign_in.logout(call.workspace_id, current.id)
    return edited


def list_queues(call: Call) -> dict[str, Any]:
    return {"queues": [q.to_dict() for q in call.services.agents.queues_of(call.workspace_id)]}


def save_queue(call: Call) -> dict[str, Any]:
    name = call.params["name"]
    try:
        current = call.services.agents.queue(call.workspace_id, name)
    except NotFound:
        current = Queue(workspace_id=call.workspace_id, name=name)
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in call.body.items()}
    return call.services.agents.save_queue(replace(current, **changes)).to_dict()


# The password policy's rules a pattern can state (shared/console/passwords.py): its length, and not one
# character repeated; "not the email" is for the server alone.
PASSWORD = Field("string", min_length=PASSWORD_MIN, max_length=PASSWORD_MAX,
                 pattern=r"(?=[\s\S]*([\s\S])(?!\1)[\s\S])[\s\S]*", description="sets a new password")
_LIST_ITEM = text(MAX_AGENT_LIST_ITEM_CHARS, one_line=True)
USER_BODY = {
    "name": text(MAX_AGENT_NAME_CHARS, one_line=True),
    "email": Field("string", max_length=254, pattern=rf"(?:{EMAIL_INPUT_PATTERN}|[{WHITESPACE}]*)",
                   description="the user signs in with it; \"\" leaves them without a login"),
    "role": Field("string", enum=ROLES), "queues": Field("array", items=_LIST_ITEM, max_length=50),
    "capacity": Field("integer", minimum=1, maximum=MAX_CAPACITY, description="chats held at once"),
    "languages": Field("array", items=_LIST_ITEM, max_length=10),
    "skills": Field("array", items=_LIST_ITEM, max_length=30),
    "enabled": Field("boolean"), "password": PASSWORD,
}

AGENT_ID = {"agent_id": stored_id()}
# A new user given a password signs in with their email: it must be there.
A_PASSWORD_NEEDS_AN_EMAIL = {
    "if": {"required": ["password"], "properties": {"password": {"type": "string"}}},
    "then": {"required": ["email"], "properties": {"email": {
        "type": "string", "pattern": rf"^{EMAIL_INPUT_PATTERN}$"}}}}
# An edit that sets a password and an email: the email is one (without one, the user's own is used).
A_PASSWORD_SENT_WITH_AN_EMAIL = {**A_PASSWORD_NEEDS_AN_EMAIL, "if": {
    "required": ["password", "email"], "properties": {"password": {"type": "string"}, "email": {"type": "string"}}}}
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00"
BUSINESS_HOURS = Field("object", nullable=True, description="weekly opening intervals in the queue's time zone;"
                                                            " each opening comes before its closing; null: always open",
                       properties={"time_zone": Field("string", required=True, format=TIME_ZONE),
                                   "days": Field("object", properties={day: Field(
                                       "array", max_length=MAX_INTERVALS_A_DAY,
                                       items=Field("array", min_length=2, max_length=2,
                                                   items=Field("string", pattern=_TIME),
                                                   also=Field("string", pattern=f"(?:{_TIME})-(?:{_TIME})")))
                                       for day in DAYS})})

ROUTES = [
    Route("GET", "/monitor", SUPERVISOR, "Each agent's status and chats; each queue's line and longest wait",
          monitor, tag="team"),
    Route("PUT", "/agents/{agent_id}/status", SUPERVISOR, "Pause, resume or take offline an agent",
          set_agent_status, body=STATUS_FIELDS, tag="team", params=AGENT_ID),
    Route("POST", "/agents/{agent_id}/logout", SUPERVISOR, "End an agent's session and take them offline",
          log_agent_out, tag="team", params=AGENT_ID),
    Route("GET", "/users", SUPERVISOR, "The workspace's users", list_users, tag="team"),
    Route("POST", "/users", ADMIN, "Create a user", create_user,
          body={"id": stored_id(required=True, max_length=60), **USER_BODY,
                "name": text(MAX_AGENT_NAME_CHARS, required=True, one_line=True)}, tag="team",
          body_rules=(A_PASSWORD_NEEDS_AN_EMAIL,)),
    Route("PATCH", "/users/{agent_id}", ADMIN, "Edit, enable or disable a user, or set their password", edit_user,
          body=USER_BODY, tag="team", params=AGENT_ID, body_rules=(A_PASSWORD_SENT_WITH_AN_EMAIL,)),
    Route("GET", "/queues", SUPERVISOR, "The workspace's queues", list_queues, tag="team"),
    Route("PUT", "/queues/{name}", ADMIN, "Create or edit a queue", save_queue,
          body={"members": Field("array", items=stored_id(), max_length=200, unique_items=True),
                "priority": Field("integer", minimum=-MAX_QUEUE_PRIORITY, maximum=MAX_QUEUE_PRIORITY),
                "business_hours": BUSINESS_HOURS, "closed_message": Field("string", max_length=1000),
                "wait_for_own_agent": Field("boolean", description="a contact's own agent is waited for"),
                "overflow_after_s": Field("integer", minimum=0, maximum=MAX_QUEUE_WAIT_S,
                                          description="after this wait a chat needing a language or skill goes to"
                                                      " anyone"),
                "invite_timeout_s": Field("integer", minimum=0, maximum=MAX_QUEUE_WAIT_S,
                                          description="invite mode: seconds to accept")},
          tag="team", params={"name": text(MAX_AGENT_LIST_ITEM_CHARS, required=True, one_line=True)}),
]
