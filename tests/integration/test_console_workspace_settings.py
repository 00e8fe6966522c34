"""The workspace through console_api, on SQLite and on the Firestore emulator: admins change its settings,
retention and security and route its channel accounts; everyone sees its name and logo and whom a chat
can be transferred to; republishing workspace.yaml keeps what the admins decided."""

from __future__ import annotations

import base64

import pytest

from shared.agents import Agent, AgentDirectory
from shared.conversations.handover import hand_to_people
from shared.conversations.resolve import resolve_inbound_message
from shared.messages.wire import AssignmentRequest
from shared.workspaces.console_settings import MAX_LOGO_BYTES
from shared.workspaces.directory import CHANNELS, WORKSPACES, Workspace, channel_doc_id
from tests.integration.conftest import OUTBOUND_PROBE, drain
from tests.integration.test_console_api import ASSIGNMENT_PROBE, OTHER_WS, WS, console  # noqa: F401 (fixture)
from tests.integration.test_resolve_exactly_once import inbound

PNG_1X1 = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
           "RU5ErkJggg==")
SVG = "data:image/svg+xml;base64," + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode()


@pytest.fixture
def admin(console):  # noqa: F811 (pytest fixture injection)
    return console.login(f"adri@{WS}.example")


def test_an_admin_changes_retention_security_and_branding_and_everyone_sees_the_branding(platform, console, admin):  # noqa: F811
    platform.directory.save_workspace(Workspace(id=OTHER_WS, name="Otro"))
    ana = console.login(f"ana@{WS}.example")  # before the second step is required
    outsider = console.login(f"adri@{OTHER_WS}.example")
    status, before = console.call("GET", "/workspace/settings", admin)
    assert status == 200 and before["id"] == WS and before["personal_data_days"] is None
    assert before["two_factor_required"] is False and before["logo"] == ""

    changes = {"name": "Grupo Sol", "time_zone": "America/Sao_Paulo", "language": "pt", "logo": PNG_1X1,
               "ticket_expiry_hours": 24, "personal_data_days": 90, "files_days": 30, "two_factor_required": True}
    status, after = console.call("PUT", "/workspace/settings", admin, body=changes)
    assert status == 200, after
    assert {k: after[k] for k in changes} == {**changes, "ticket_expiry_hours": 24.0}
    assert console.call("GET", "/workspace/settings", admin)[1] == after

    # The platform runs on them: retention, ticket expiry and the notices' language read the workspace.
    workspace = platform.directory.workspace(WS)
    assert (workspace.personal_data_days, workspace.files_days, workspace.ticket_expiry_hours) == (90, 30, 24.0)
    assert (workspace.language, workspace.two_factor_required) == ("pt", True)

    status, branding = console.call("GET", "/workspace", ana)
    assert status == 200 and branding == {"id": WS, "name": "Grupo Sol", "language": "pt",
                                          "time_zone": "America/Sao_Paulo", "logo": PNG_1X1}
    # The other workspace is untouched.
    other = console.call("GET", "/workspace/settings", outsider)[1]
    assert other["logo"] == "" and other["personal_data_days"] is None


def test_null_keeps_data_until_erased_and_an_absent_setting_is_left_as_it_was(console, admin):  # noqa: F811
    console.call("PUT", "/workspace/settings", admin, body={"personal_data_days": 30, "files_days": 7, "logo": SVG})
    status, after = console.call("PUT", "/workspace/settings", admin, body={"personal_data_days": None})
    assert status == 200 and after["personal_data_days"] is None and after["files_days"] == 7
    assert after["logo"] == SVG
    status, after = console.call("PUT", "/workspace/settings", admin, body={"logo": ""})
    assert status == 200 and after["logo"] == "" and after["files_days"] == 7


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "IANA"),
    ({"time_zone": "../../etc/passwd"}, "time_zone", "IANA"),
    ({"language": "fr"}, "language", "es, en, pt"),
    ({"ticket_expiry_hours": 0}, "ticket_expiry_hours", "at least 1"),
    ({"ticket_expiry_hours": 10_000}, "ticket_expiry_hours", "at most 720"),
    ({"personal_data_days": 0}, "personal_data_days", "at least 1"),
    ({"files_days": 1.5}, "files_days", "integer"),
    ({"two_factor_required": "yes"}, "two_factor_required", "boolean"),
    ({"name": "   "}, "name", "characters"),
    ({"logo": "https://example.com/logo.png"}, "logo", "data: URL"),
    ({"logo": "data:text/html;base64,PHNjcmlwdD4="}, "logo", "data: URL"),
    ({"logo": "data:image/png;base64,R0lGODlhAQABAAAAACw="}, "logo", "not a image/png"),
    ({"logo": "data:image/png;base64,%%%"}, "logo", "data: URL"),
    ({"logo": "data:image/svg+xml;base64," + base64.b64encode(b"<html>hi</html>").decode()}, "logo", "SVG"),
    ({"logo": "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * MAX_LOGO_BYTES).decode()},
     "logo", "at most"),
    ({"messages_per_month": 10}, "messages_per_month", "unknown field"),
])
def test_a_bad_setting_is_refused_naming_it_and_nothing_changes(platform, console, admin, changes, field, says):  # noqa: F811
    console.call("PUT", "/workspace/settings", admin, body={"name": "Antes"})
    stored = platform.store.get(WORKSPACES, WS)
    status, answer = console.call("PUT", "/workspace/settings", admin, body={"files_days": 3, **changes})
    assert status == 400 and answer["field"] == field and says in answer["message"], answer
    assert platform.store.get(WORKSPACES, WS) == stored


def test_republishing_the_workspace_folder_keeps_what_admins_changed(platform, console, admin):  # noqa: F811
    console.call("PUT", "/workspace/settings", admin, body={"personal_data_days": 45, "two_factor_required": True})
    console.call("PUT", "/channels/webchat/demo-site", admin, body={"agents": ["beto"]})
    platform.directory.load_folder(platform.settings.bots_dir)
    workspace = platform.directory.workspace(WS)
    assert (workspace.personal_data_days, workspace.two_factor_required) == (45, True)
    assert workspace.name == "Grupo Sol (demo)"  # what the admin did not change still comes from the folder
    assert platform.directory.channel("webchat", "demo-site").agents == ("beto",)


def test_an_admin_routes_a_channel_account_to_a_bot_and_its_own_agents(platform, console, admin):  # noqa: F811
    status, listed = console.call("GET", "/channels", console.login(f"ana@{WS}.example"))
    assert status == 200
    assert {(c["type"], c["account"], c["bot"]) for c in listed["channels"]} >= {("webchat", "demo-site", "tienda")}
    assert all("secrets" not in c for c in listed["channels"])

    status, routed = console.call("PUT", "/channels/webchat/demo-site", admin, body={"agents": ["beto", "beto"]})
    assert status == 200 and routed == {"type": "webchat", "account": "demo-site", "bot": "tienda",
                                        "agents": ["beto"]}

    # Both chats go to the line's agent (capacity 2), where the queue's round would share them out.
    for agent_id in ("ana", "beto"):
        console.call("PUT", "/me/status", console.login(f"{agent_id}@{WS}.example"), body={"status": "online"})
    platform.bus.ensure_subscription(ASSIGNMENT_PROBE)
    for visitor in ("line-v1", "line-v2"):
        resolve_inbound_message(platform, inbound(platform, "quiero hablar con alguien", f"{visitor}-1",
                                                  visitor=visitor))
        [request] = [AssignmentRequest.from_json(d) for d in drain(platform, ASSIGNMENT_PROBE)]
        hand_to_people(platform, request)
    drain(platform, OUTBOUND_PROBE)
    agents = AgentDirectory(platform.store, platform.clock)
    assert (len(agents.agent(WS, "beto").active), len(agents.agent(WS, "ana").active)) == (2, 0)


def test_channel_routing_names_the_bad_field_and_never_reaches_another_workspace(platform, console, admin):  # noqa: F811
    before = platform.store.get(CHANNELS, channel_doc_id("webchat", "demo-site"))
    status, answer = console.call("PUT", "/channels/webchat/demo-site", admin, body={"bot": "no-such-bot"})
    assert status == 400 and answer["field"] == "bot" and "no-such-bot" in answer["message"]
    status, answer = console.call("PUT", "/channels/webchat/demo-site", admin, body={"agents": ["ana", "nadie"]})
    assert status == 400 and answer["field"] == "agents[1]"
    status, answer = console.call("PUT", "/channels/webchat/not-connected", admin, body={"agents": []})
    assert status == 404
    outsider = console.login(f"adri@{OTHER_WS}.example")
    status, answer = console.call("PUT", "/channels/webchat/demo-site", outsider, body={"agents": ["ana"]})
    assert status == 404
    assert console.call("GET", "/channels", outsider)[1] == {"channels": []}
    assert platform.store.get(CHANNELS, channel_doc_id("webchat", "demo-site")) == before

    status, routed = console.call("PUT", "/channels/webchat/demo-site", admin, body={"bot": "servicos"})
    assert status == 200 and routed["bot"] == "servicos"
    assert platform.directory.channel("webchat", "demo-site").bot_id == "servicos"


def test_any_agent_sees_whom_a_chat_can_be_transferred_to(platform, console):  # noqa: F811
    directory = AgentDirectory(platform.store, platform.clock)
    directory.save_agent(Agent(id="ex", workspace_id=WS, name="Ex Empleado", enabled=False))
    status, found = console.call("GET", "/directory", console.login(f"ana@{WS}.example"))
    assert status == 200
    assert {a["id"] for a in found["agents"]} == {"ana", "beto", "sofi", "adri"}
    assert {a["status"] for a in found["agents"]} == {"offline"}
    assert found["queues"] == [{"name": "ventas"}]
    bots = {b["id"]: b["menus"] for b in found["bots"]}
    assert set(bots) == {"tienda", "servicos"} and "menu" in bots["servicos"]
    assert all(a["name"] != "Ex Empleado" for a in found["agents"])
