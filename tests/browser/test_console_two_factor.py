"""Two-step sign-in in a real Chromium, against the local stack and its demo team: an agent turns it on in
My account with the key shown on the page (as they would type it into an authenticator app), signs out,
and signing in again asks for the code. Codes are computed here from that key (RFC 6238)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    expect = None

from shared.console.two_factor import code_at
from tests.browser.console_tab import Tab
from tests.browser.test_console_accessibility import violations

EMAIL = "beto@demo.charla"


def _scan(image) -> str:
    """The text of the QR code an element shows, read from a screenshot of it."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode], found
    return found[0].text


def _code(secret: str, ahead: timedelta = timedelta(0)) -> str:
    return code_at(secret, datetime.now(UTC) + ahead)


def test_an_agent_turns_on_two_step_sign_in_and_then_signs_in_with_a_code(browser_tab):
    tab: Tab = browser_tab()
    page = tab.page
    tab.open_console()
    tab.sign_in(EMAIL)
    page.get_by_role("link", name="Mi cuenta").click()
    expect(page.get_by_role("heading", level=1, name="Mi cuenta")).to_be_visible()
    expect(page.locator("#account-two-factor-state")).to_contain_text("Desactivada")

    page.get_by_role("button", name="Configurar la verificación en dos pasos").click()
    key = page.get_by_label("Clave de configuración")
    expect(key).to_be_focused()
    shown = key.input_value()
    assert shown.count(" ") == 7, shown  # 32 characters, in groups of four
    link = page.get_by_label("Enlace de configuración", exact=False).input_value()
    assert link.startswith(f"otpauth://totp/Charla:{EMAIL}?secret={shown.replace(' ', '')}&")
    # The QR code on the screen, read as a phone's camera would: it carries that link, and its key is the
    # one the codes below come from.
    scanned = _scan(page.get_by_role("img", name="Código QR para escanear con tu app de autenticación"))
    assert scanned == link
    secret = parse_qs(urlsplit(scanned).query)["secret"][0]

    tab.shot("my-account-two-factor-setup", full_page=True)
    assert violations(tab) == []
    code = page.get_by_label("Código de la app")
    assert (code.get_attribute("autocomplete"), code.get_attribute("inputmode")) == ("one-time-code", "numeric")
    code.fill("000000")
    code.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("code")
    expect(code).to_be_focused()
    page.keyboard.type(_code(secret))
    page.keyboard.press("Enter")
    expect(page.locator("#account-two-factor-state")).to_contain_text("Activada")

    page.get_by_role("button", name="Cerrar sesión").click()
    tab.sign_in(EMAIL)
    expect(page.get_by_role("heading", level=1, name="Verificación en dos pasos")).to_be_visible()
    expect(page.get_by_label("Código de verificación")).to_be_focused()
    tab.shot("sign-in-second-step")
    assert violations(tab) == []
    # The code just used to turn it on is spent; the app's next one is accepted a step early.
    page.keyboard.type(_code(secret, timedelta(seconds=30)))
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Secciones")).to_be_visible()
    page.get_by_role("link", name="Mi cuenta").click()
    expect(page.locator("#account-two-factor-state")).to_contain_text("Activada")

    # ---- Beto lost his phone: an admin resets it, and his password alone lets him in again ----
    admin = browser_tab(user="adriana@demo.charla")
    admin.nav("Administración")
    users = admin.page.get_by_role("table", name="Usuarios")
    row = users.get_by_role("row").filter(has=admin.page.get_by_role("cell", name="beto", exact=True))
    two_step = row.get_by_role("cell").nth(7)  # after id, email, role, queues, capacity, status, enabled
    expect(two_step).to_have_text("Sí")
    row.get_by_role("button", name="Restablecer la verificación en dos pasos de beto").click()
    admin.page.get_by_role("dialog").get_by_role("button", name="Restablecer verificación en dos pasos").click()
    expect(admin.page.locator(".toast").filter(has_text="Verificación en dos pasos restablecida.")).to_be_visible()
    expect(two_step).to_have_text("No")
    expect(row.get_by_role("button", name="Restablecer la verificación en dos pasos de beto")).to_have_count(0)
    page.get_by_role("button", name="Cerrar sesión").click()
    tab.sign_in(EMAIL)
    expect(page.get_by_role("navigation", name="Secciones")).to_be_visible()
