"""The patient journey by keyboard alone: every control reachable, operable and visibly
focused, with JavaScript off on a phone-sized screen."""

from __future__ import annotations

import pytest

from .test_patient_journey import enrol_link

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has focus (no mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            outline = page.evaluate("getComputedStyle(document.activeElement.matches("
                                    "'input') ? document.activeElement.nextElementSibling"
                                    " : document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_patient_can_answer_with_the_keyboard_only(live_app, browser):
    from .conftest import PHONE

    course_id, link = enrol_link(live_app, language="en")
    page = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(link)
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/nprs-back")
    tab_to(page, "input[name=answer]")
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # arrow keys move within the radio group
    assert page.locator("input[name=answer]:checked").get_attribute("value") == "4"
    tab_to(page, "button[value=next]")
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
