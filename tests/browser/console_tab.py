"""One person's tab of the agent console, as the browser tests drive it (Spanish, the demo team's password)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    Page = expect = None

from charla_local.demo_team import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 20_000
SCREENSHOTS = Path(os.environ.get("CHARLA_CONSOLE_SCREENSHOTS", ROOT / ".charla" / "screenshots" / "console"))


@dataclass
class Tab:
    """One person's browser tab, and what went wrong in it."""

    page: Page
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open_console(self) -> None:
        self.page.goto(f"{self.base_url}/console/")
        expect(self.page.locator("#login-email, #main h1").first).to_be_visible()

    def sign_in(self, email: str, password: str = DEFAULT_PASSWORD) -> None:
        """As a keyboard user: the email field has the focus, Tab to the password, Enter submits."""
        expect(self.page.get_by_label("Correo electrónico")).to_be_focused()
        self.page.keyboard.type(email)
        self.page.keyboard.press("Tab")
        expect(self.page.get_by_label("Contraseña")).to_be_focused()
        self.page.keyboard.type(password)
        self.page.keyboard.press("Enter")

    def go_online(self) -> None:
        status = self.page.get_by_role("combobox", name="Estado")
        status.select_option(label="En línea")
        expect(status).to_have_value("online")

    def nav(self, name: str) -> None:
        self.page.get_by_role("navigation", name="Secciones").get_by_role("link", name=name).click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def admin_section(self, name: str) -> None:
        self.nav("Administración")
        self.page.get_by_role("navigation", name="Secciones de administración").get_by_role("link", name=name).click()

    def write_to_contact(self, search: str, name: str):
        """Contacts → search → the contact's card: the region to start a conversation from."""
        self.nav("Contactos")
        self.page.get_by_label("Buscar por nombre o teléfono").fill(search)
        self.page.get_by_label("Buscar por nombre o teléfono").press("Enter")
        self.page.get_by_role("button", name=re.compile(f"^{re.escape(name)}")).click()
        return self.page.get_by_role("region", name=f"Escribirle a {name}")

    def shot(self, name: str, full_page: bool = False) -> None:
        # Not full page for the inbox: growing the viewport to the page would scroll its history to the top.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    @property
    def history(self):
        return self.page.get_by_role("log", name="Historial de la conversación")
