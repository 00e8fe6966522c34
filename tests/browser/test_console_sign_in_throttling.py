"""A sign-in delay in a real Chromium, against the local stack: the console says it plainly, with how long
to wait (a 429 is the API's answer, not a lost connection)."""

from __future__ import annotations

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails under CI=true) with the reason
    expect = None

from shared.console.sign_in_throttle import ACCOUNT, RULES


def test_a_sign_in_delay_is_said_plainly_with_how_long_to_wait(browser_tab):
    tab = browser_tab()
    tab.open_console()
    password, alert = tab.page.get_by_label("Contraseña"), tab.page.get_by_role("alert")
    tab.sign_in("nadie@demo.charla", "not the password")
    for _ in range(RULES[ACCOUNT].first_delayed - 1):
        expect(alert).to_have_text("No pudimos ingresar. wrong email or password")
        expect(password).to_have_value("")  # the answer came: the field is emptied for the next try
        password.fill("not the password")
        password.press("Enter")
    expect(alert).to_have_text("No pudimos ingresar. too many failed attempts; try again in 1 second")
    expect(password).to_be_focused()
