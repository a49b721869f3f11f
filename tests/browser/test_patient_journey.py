"""A patient completes an ODI: on a touch phone and a desktop, with JavaScript on and off,
in Danish and English."""

from __future__ import annotations

import pytest

from patientapp.content import RISK_SCREENS
from patientapp.db import connect

from .conftest import PHONE, answer_risk_screens, choose, enrol_link, screenshot

pytestmark = pytest.mark.browser

ODI_EXAMPLE = [1, 5, 4, 4, 3, 0, 1, 5, 3, 4]


WORDS = {"da": {"continue": "Fortsæt", "next": "Næste", "save": "Gem og fortsæt",
                "send": "Send mine svar", "of": "af"},
         "en": {"continue": "Continue", "next": "Next", "save": "Save and continue",
                "send": "Send my answers", "of": "of"}}


def press(page, name: str, tap: bool) -> None:
    """Press a button that leads to the next page, and wait until that page is there (a
    tap's click event comes after the touch ends, later than a mouse click's)."""
    before, button = page.url, page.get_by_role("button", name=name)
    button.tap() if tap else button.click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state()


DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("language,device,javascript", [
    ("da", "phone", False), ("en", "phone", True), ("en", "desktop", False),
    ("da", "desktop", True)])
def test_patient_completes_an_odi(live_app, browser, language, device, javascript):
    """The whole questionnaire on a touch phone and on a desktop, with JavaScript on and off,
    in both languages; the score the clinic gets is the specification's."""
    course_id, link = enrol_link(live_app, language=language)
    words, name = WORDS[language], f"{device}-{'js' if javascript else 'nojs'}-{language}"
    context = browser.new_context(**(PHONE if device == "phone" else DESKTOP),
                                  java_script_enabled=javascript)
    page, tap = context.new_page(), device == "phone"
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"patient-welcome-{name}")
    choose(page, "given", "consent", tap)
    press(page, words["continue"], tap)

    for value in ("6", "3"):  # NPRS back, then leg
        choose(page, value, tap=tap)
        press(page, words["next"], tap)
    for number, value in enumerate(ODI_EXAMPLE, start=1):
        assert f"{number} {words['of']} 10" in page.locator(".progress-label").inner_text()
        if number == 1:
            screenshot(page, f"patient-odi-1-{name}")
        choose(page, str(value), tap=tap)
        press(page, words["next"], tap)

    for n, activity in enumerate(("Tage strømper på", "Se en hel film", "Bære indkøb")):
        page.locator(f"#activities-{n}").fill(activity)
    press(page, words["next"], tap)
    for n in (1, 2, 3):
        choose(page, "3", f"rating_{n}", tap)
    press(page, words["next"], tap)
    assert answer_risk_screens(page, lambda p: press(p, words["next"], tap), tap) == \
        len(RISK_SCREENS)
    for radio in page.locator("input[value=no]").all():
        choose(page, "no", radio.get_attribute("name"), tap)
    screenshot(page, f"patient-safety-{name}")
    press(page, words["save"], tap)

    assert "/review" in page.url
    screenshot(page, f"patient-review-{name}")
    press(page, words["send"], tap)
    assert "/done" in page.url
    screenshot(page, f"patient-done-{name}")
    context.close()

    db = connect(live_app.config["DATABASE"])
    odi = next(db.query("SELECT value FROM scores WHERE course_id = ? AND instrument = 'odi'",
                        [course_id]))
    assert odi["value"] == 60
