"""The console's workspace screens in a real Chromium, against the local stack and its demo team: the admin's
settings (retention, security, logo) and channel routing, and what every agent picks from to start or
transfer a chat (the workspace's channel accounts, agents, queues and bot menus)."""

from __future__ import annotations

import re
import struct
import zlib

import httpx

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    expect = None

from charla_local.demo_team import DEFAULT_PASSWORD
from tests.browser.console_tab import Tab


def _png(width: int = 4, height: int = 4) -> bytes:
    """A small orange square, as a logo file an admin would upload."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xe0\x7b\x39" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _token(base_url: str, email: str) -> str:
    answer = httpx.post(f"{base_url}/console_api/login", json={"email": email, "password": DEFAULT_PASSWORD},
                        timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def _token_of(tab: Tab) -> str:
    """The tab's own session: a newer sign-in as the same user would end it."""
    return tab.page.evaluate("JSON.parse(sessionStorage.getItem('charla.console.session')).token")


def _api(base_url: str, token: str, method: str, path: str, **kwargs) -> dict:
    answer = httpx.request(method, f"{base_url}/console_api{path}", headers={"Authorization": f"Bearer {token}"},
                           timeout=10, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_admin_routes_the_web_chat_to_agents_and_an_agent_picks_accounts_and_transfer_targets(
        browser_tab, base_url):
    # ---- Adriana routes the demo web chat to Ana and Beto, choosing from the team ----
    adriana = browser_tab(user="adriana@demo.charla")
    adriana.admin_section("Canales")
    channels = adriana.page.get_by_role("table", name="Canales")
    demo = channels.get_by_role("row").filter(has=adriana.page.get_by_role("cell", name="demo-site", exact=True))
    expect(demo).to_contain_text("tienda")
    edit = demo.get_by_role("button", name="Editar webchat demo-site")
    edit.click()
    dialog = adriana.page.get_by_role("dialog", name="Ruteo de webchat demo-site")
    expect(dialog.get_by_label("Bot")).to_be_focused()
    expect(dialog.get_by_label("Bot")).to_have_value("tienda")
    team = dialog.get_by_role("group", name="Agentes")
    team.get_by_role("checkbox", name=re.compile("^Ana")).check()
    team.get_by_role("checkbox", name=re.compile("^Beto")).check()
    dialog.get_by_role("button", name="Guardar").click()
    expect(adriana.page.locator(".toast").filter(has_text="Ruteo de webchat demo-site guardado.")).to_have_attribute(
        "role", "status")
    expect(demo.get_by_role("cell").nth(2)).to_have_text("Ana, Beto")
    expect(edit).to_be_focused()
    adriana.shot("admin-channels")
    routed = _api(base_url, _token_of(adriana), "GET", "/channels")["channels"]
    assert {"type": "webchat", "account": "demo-site", "bot": "tienda", "agents": ["ana", "beto"]} in routed

    # ---- Ana (an agent) writes to a contact from one of the workspace's accounts ----
    _api(base_url, _token(base_url, "sofia@demo.charla"), "POST", "/contacts",
         json={"name": "Irene Soto", "addresses": {"webchat": "v_irene_soto"}})
    ana = browser_tab(user="ana@demo.charla")
    ana.go_online()
    form = ana.write_to_contact("irene", "Irene Soto")
    account = form.get_by_role("combobox", name="Cuenta del canal")
    expect(account.get_by_role("option")).to_have_text(["demo-site", "demo-site-pt"])
    account.select_option("demo-site")
    form.get_by_label("Parámetro 1").fill("Irene")
    form.get_by_label("Parámetro 2").fill("B-77")
    form.get_by_role("button", name="Enviar e iniciar").click()
    expect(ana.page.get_by_role("heading", name="Irene Soto", level=2)).to_be_visible()

    # ---- and lists whom she can transfer it to: agents, queues and the bots' menus ----
    ana.page.get_by_role("button", name="Transferir").click()
    transfer = ana.page.get_by_role("dialog", name="Transferir la conversación")
    kind = transfer.get_by_label("Transferir a")
    expect(kind).to_be_focused()
    choices = transfer.locator("datalist option")
    expect(transfer.get_by_role("status")).to_have_text("Opciones para elegir: 4")  # everyone but Ana
    expect(choices).to_have_count(4)
    assert choices.evaluate_all("options => options.map(o => o.value)") == [
        "adriana", "beto", "lucia.mayoristas", "sofia"]
    expect(transfer.locator("datalist option[value='beto']")).to_have_attribute("label", "Beto · Desconectado")
    kind.select_option(label="Una cola")
    expect(transfer.get_by_role("status")).to_have_text("Opciones para elegir: 3")
    assert choices.evaluate_all("options => options.map(o => o.value)") == ["default", "postventa", "ventas"]
    kind.select_option(label="Un menú del bot")
    expect(choices).to_have_count(1)
    expect(choices).to_have_attribute("label", "menu · servicos, tienda")
    target = transfer.get_by_role("combobox", name="Agente, cola o menú")
    expect(target).to_have_attribute("list", "transfer-options")
    ana.shot("transfer-dialog")
    transfer.get_by_role("button", name="Cancelar").click()


def test_an_admin_changes_retention_security_and_the_logo_and_they_are_kept(browser_tab, base_url):
    adriana = browser_tab(user="adriana@demo.charla")
    adriana.admin_section("Configuración")
    page = adriana.page
    expect(page.get_by_role("heading", name="Configuración del espacio de trabajo", level=2)).to_be_visible()
    form = page.get_by_role("form", name="Configuración del espacio de trabajo")
    expect(form).to_have_attribute("aria-busy", "false")
    expect(form.get_by_label("Nombre del espacio de trabajo")).to_have_value("Grupo Sol (demo)")
    expect(page.locator(".plan-caps")).to_contain_text("sin límite")

    # ---- a time zone the API does not know is refused, naming the field ----
    zone = form.get_by_role("combobox", name="Zona horaria")
    zone.fill("America/Marte")
    form.get_by_role("button", name="Guardar").click()
    expect(form.get_by_role("alert")).to_contain_text("Zona horaria: 'America/Marte' is not an IANA time zone")
    expect(zone).to_be_focused()
    expect(zone).to_have_attribute("aria-invalid", "true")
    zone.fill("America/Montevideo")

    # ---- retention: personal data for 400 days, files until erased; the second step; a logo ----
    personal = form.get_by_role("group", name="Datos personales")
    days = personal.get_by_label("Días que se guardan los datos personales")
    expect(days).to_be_disabled()
    personal.get_by_label("Guardarlos hasta que se pida borrarlos").uncheck()
    expect(days).to_be_focused()
    days.fill("400")
    expect(form.get_by_role("group", name="Archivos").get_by_label("Guardarlos hasta que se pida borrarlos")) \
        .to_be_checked()
    form.get_by_label("Exigir a todos los usuarios un segundo paso al ingresar (app de autenticación)").check()
    form.get_by_label("Elegir una imagen").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": _png()})
    preview = form.get_by_role("img", name="Vista previa del logo")
    expect(preview).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    form.get_by_role("button", name="Guardar").click()
    expect(page.locator(".toast").filter(has_text="Configuración guardada.")).to_have_attribute("role", "status")
    expect(form.get_by_role("alert")).to_be_hidden()
    logo = page.locator("header.topbar").get_by_role("img", name="Grupo Sol (demo)")
    expect(logo).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))

    # ---- kept after a reload: the form and the header ----
    page.reload()
    expect(form.get_by_label("Días que se guardan los datos personales")).to_have_value("400")
    expect(personal.get_by_label("Guardarlos hasta que se pida borrarlos")).not_to_be_checked()
    expect(form.get_by_label("Días que se guardan los archivos")).to_be_disabled()
    expect(zone).to_have_value("America/Montevideo")
    expect(form.get_by_label(re.compile("^Exigir a todos los usuarios"))).to_be_checked()
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") == 4
    adriana.shot("admin-settings", full_page=True)

    settings = _api(base_url, _token_of(adriana), "GET", "/workspace/settings")
    assert settings["personal_data_days"] == 400 and settings["files_days"] is None
    assert settings["two_factor_required"] is True and settings["time_zone"] == "America/Montevideo"
    assert settings["logo"].startswith("data:image/png;base64,")
    # The requirement is in force: the password alone no longer opens a session, it asks to enrol.
    asked = httpx.post(f"{base_url}/console_api/login", timeout=10,
                       json={"email": "sofia@demo.charla", "password": DEFAULT_PASSWORD}).json()
    assert asked["second_step"] == "enrol" and "token" not in asked

    # ---- the logo can go again ----
    form.get_by_role("button", name="Quitar el logo").click()
    expect(preview).to_be_hidden()
    form.get_by_role("button", name="Guardar").click()
    expect(page.locator("header.topbar .brand-logo")).to_have_attribute("src", "logo.svg")
    assert _api(base_url, _token_of(adriana), "GET", "/workspace")["logo"] == ""
    # For the module's other sign-ins, with the admin's own session (signing in again would need a code).
    _api(base_url, _token_of(adriana), "PUT", "/workspace/settings", json={"two_factor_required": False})
