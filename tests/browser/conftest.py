"""A real Chromium driven by Playwright, and the local stack it talks to.

Chromium is Debian's (/usr/bin/chromium, `apt-get install -y chromium`) and Playwright its Python
client (`pip install playwright`); `playwright install` is never needed. Without either, the browser
tests skip with a loud reason, except under CI=true, where that fails the run: CI must render the
widget in a real browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from charla_local.stack import LocalStack
from shared.kernel.settings import Settings
from tests.support.availability import engine_unavailable
from tests.support.ports import free_port, wait_for_http

CHROMIUM = Path(os.environ.get("CHARLA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    engine_unavailable("BROWSER", reason)


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install playwright; "
                     "never `playwright install`)")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHARLA_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            _unavailable(f"{CHROMIUM} did not start: {exc}")
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def widget_stack(tmp_path_factory):
    """The whole platform on the embedded backends, shared by a module's tests (each has its own visitor)."""
    stack = LocalStack(Settings(backend="embedded", data_dir=tmp_path_factory.mktemp("widget") / "data"),
                       port=free_port())
    stack.start()
    wait_for_http(f"http://127.0.0.1:{stack.port}/healthz")
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def base_url(widget_stack) -> str:
    return f"http://127.0.0.1:{widget_stack.port}"


@pytest.fixture
def browser_tab(chromium, base_url):
    """Opens console tabs, each in its own browser context (its own storage and session), as each person
    has their own browser; all closed at the end, failing the test if a script failed or an alert opened."""
    from playwright.sync_api import expect

    from tests.browser.console_tab import WAIT_MS, Tab

    expect.set_options(timeout=WAIT_MS)
    opened: list[tuple[object, Tab]] = []

    def open_tab(viewport: dict | None = None, user: str = "") -> Tab:
        """A new tab; with ``user``, on the console and signed in as that user (the demo password)."""
        context = chromium.new_context(locale="es-AR", viewport=viewport or {"width": 1280, "height": 800},
                                       accept_downloads=True)
        page = context.new_page()
        tab = Tab(page, base_url)
        page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: tab.errors.append(str(error)))
        # A string missing from the chosen language is said on the browser's console.
        page.on("console", lambda message: tab.errors.append(message.text)
                if "charla console:" in message.text else None)
        opened.append((context, tab))
        if user:
            tab.open_console()
            tab.sign_in(user)
        return tab

    yield open_tab
    for context, _ in opened:
        context.close()
    assert [t.errors for _, t in opened if t.errors] == [], "a page's script failed"
    assert [t.dialogs for _, t in opened if t.dialogs] == [], "something opened an alert"
