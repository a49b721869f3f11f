"""Keyboard alone: the patient's journey (JavaScript off, phone-sized screen) and the
physiotherapist's (sign in, open a patient, acknowledge an alert). On each page every control
is reachable with Tab, visibly focused, and focus moves on (no trap)."""

from __future__ import annotations

from datetime import date

import pytest

from patientapp.db import connect
from patientapp.demo import create_demo

pytestmark = pytest.mark.browser


# A radio or checkbox is drawn by its label (the input itself is invisible), so the focus
# ring is on the label.
VISIBLE_FOCUS_JS = ("getComputedStyle(document.activeElement.matches('.choice input')"
                    " ? document.activeElement.nextElementSibling"
                    " : document.activeElement).outlineStyle")


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has focus (no mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            outline = page.evaluate(VISIBLE_FOCUS_JS)
            assert outline != "none", f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


FOCUSABLE_JS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [tabindex]:not([tabindex="-1"])';
  const keys = new Set();
  document.querySelectorAll(selector).forEach((el, index) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (el.disabled || style.visibility === 'hidden' || style.display === 'none'
        || (box.width === 0 && box.height === 0 && el.type !== 'radio'
            && el.type !== 'checkbox')) return;
    el.dataset.kb = el.type === 'radio' ? 'radio:' + el.name : String(index);
    keys.add(el.dataset.kb);
  });
  return [...keys];
}"""


def assert_every_control_reachable(page) -> None:
    """Tab through the whole page: every control (a radio group counts once, as Tab enters
    it once) gets focus, each with a visible focus indicator, and focus moves on from every
    one of them (no keyboard trap)."""
    expected = page.evaluate(FOCUSABLE_JS)
    seen: list[str] = []
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(len(expected) * 2 + 5):
        page.keyboard.press("Tab")
        key = page.evaluate("document.activeElement.dataset.kb || ''")
        if key and key not in seen:
            outline = page.evaluate(VISIBLE_FOCUS_JS)
            assert outline != "none", f"no visible focus on control {key} of {page.url}"
            seen.append(key)
        if len(seen) == len(expected):
            break
    missing = [key for key in expected if key not in seen]
    assert not missing, f"{len(missing)} controls not reached with Tab on {page.url}"


def test_a_patient_can_answer_with_the_keyboard_only(live_app, browser):
    from .conftest import PHONE, enrol_link

    course_id, link = enrol_link(live_app, language="en")
    page = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(link)
    assert_every_control_reachable(page)
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/nprs-back")
    assert_every_control_reachable(page)
    tab_to(page, "input[name=answer]")
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # arrow keys move within the radio group
    assert page.locator("input[name=answer]:checked").get_attribute("value") == "4"
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/nprs-leg")  # the course asks about leg pain too
    tab_to(page, "input[name=answer]")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/odi-1")
    tab_to(page, "input[name=answer]")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # Enter in a form submits it with the first button: Next
    page.wait_for_url("**/step/odi-2")
    tab_to(page, "button[value=back]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/odi-1")
    assert page.locator("input[name=answer]:checked").count() == 1
    for path in ("/review", "/my-data", "/read"):
        page.goto(link + path)
        assert_every_control_reachable(page)


def test_a_physiotherapist_can_work_with_the_keyboard_only(live_app, browser):
    """Sign in, open the patient with the alarm, acknowledge it: Tab, typing and Enter only."""
    db = connect(live_app.config["DATABASE"])
    base = live_app.config["BASE_URL"]
    create_demo(db, live_app.extensions["content"], base, date.today(), "keyboard password")
    db.close()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/clinic/login")
    assert_every_control_reachable(page)
    tab_to(page, "#email")
    page.keyboard.type("demo@clinic.example")
    tab_to(page, "#password")
    page.keyboard.type("keyboard password")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/clinic/")
    assert_every_control_reachable(page)
    tab_to(page, "tbody tr:first-child th a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/clinic/courses/*")
    assert_every_control_reachable(page)
    open_alerts = page.locator(".alert-item form").count()
    tab_to(page, ".alert-item form button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".alert-item form").count() == open_alerts - 1
