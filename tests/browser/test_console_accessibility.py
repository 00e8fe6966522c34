"""Every screen of the console checked by axe-core (the engine behind Lighthouse's accessibility audit)
against WCAG 2.1 A and AA, in Chromium, in both themes: no violation at all is allowed. axe reads the
page as assistive technology does (names, roles, labels, contrast, landmarks, focusable elements)."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    expect = None

from tests.browser.console_tab import Tab

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
SCREENS = [("#/inbox", "Bandeja"), ("#/contacts", "Contactos"), ("#/monitor", "Monitor"),
           ("#/reports", "Informes"), ("#/account", "Mi cuenta")]
ADMIN_SECTIONS = ["users", "queues", "pause_reasons", "quick_replies", "templates", "typifications", "settings",
                  "channels"]


def violations(tab: Tab) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(tab.page, options=WCAG).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in found]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_screen_meets_wcag_2_1_aa(browser_tab, theme):
    tab = browser_tab()
    tab.page.add_init_script(f"localStorage.setItem('charla.console.theme', '{theme}')")
    tab.open_console()
    found = {"sign-in": violations(tab)}
    tab.sign_in("adriana@demo.charla")
    expect(tab.page.get_by_role("heading", level=1, name="Bandeja")).to_be_visible()
    for path, heading in SCREENS:
        tab.page.goto(f"{tab.base_url}/console/{path}")
        expect(tab.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        tab.page.wait_for_timeout(400)  # the lists arrive after the heading (long polls keep the network busy)
        found[path] = violations(tab)
    for section in ADMIN_SECTIONS:
        tab.page.goto(f"{tab.base_url}/console/#/admin/{section}")
        expect(tab.page.locator(".admin-body h2").first).to_be_visible()
        tab.page.wait_for_timeout(400)  # the lists arrive after the heading (long polls keep the network busy)
        found[f"admin/{section}"] = violations(tab)
    # Dialogs too: a user's form and a channel's routing.
    tab.page.goto(f"{tab.base_url}/console/#/admin/users")
    tab.page.get_by_role("button", name="Editar ana", exact=True).click()
    expect(tab.page.get_by_role("dialog")).to_be_visible()
    found["admin/users edit"] = violations(tab)
    tab.page.keyboard.press("Escape")
    tab.page.goto(f"{tab.base_url}/console/#/admin/channels")
    tab.page.get_by_role("button", name="Editar webchat demo-site", exact=True).click()
    expect(tab.page.get_by_role("dialog")).to_be_visible()
    tab.page.wait_for_timeout(400)
    found["admin/channels edit"] = violations(tab)
    assert {screen: v for screen, v in found.items() if v} == {}
