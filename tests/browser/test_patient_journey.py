"""A patient completes an ODI on a phone-sized screen with JavaScript off."""

from __future__ import annotations

from datetime import date

import pytest

from patientapp.accounts import save_clinic
from patientapp.courses import queries as courses
from patientapp.db import connect

from .conftest import screenshot

pytestmark = pytest.mark.browser

ODI_EXAMPLE = [1, 5, 4, 4, 3, 0, 1, 5, 3, 4]


def enrol_link(app, pathway="primary-low-back-pain", language="da") -> tuple[int, str]:
    db = connect(app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Browser")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Browser Patient",
                                                     language=language),
                              app.extensions["content"].pathway(pathway), date.today())
    baseline = courses.list_timepoints(db, course_id)[0]
    token = courses.create_invitation(db, baseline)
    db.close()
    return course_id, f"{app.config['BASE_URL']}/q/{token}"


def choose(page, value: str, name: str = "answer") -> None:
    """Tap the label of a radio option, as a finger would."""
    radio_id = page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")
    page.locator(f"label[for='{radio_id}']").click()


def test_patient_completes_an_odi_on_a_phone_without_javascript(live_app, phone):
    course_id, link = enrol_link(live_app)
    phone.goto(link)
    assert phone.locator("html").get_attribute("lang") == "da"
    screenshot(phone, "patient-welcome-da")
    choose(phone, "given", "consent")
    phone.get_by_role("button", name="Fortsæt").click()

    choose(phone, "6")  # NPRS back
    phone.get_by_role("button", name="Næste").click()
    for number, value in enumerate(ODI_EXAMPLE, start=1):
        assert f"{number} af 10" in phone.locator(".progress-label").inner_text()
        if number == 1:
            screenshot(phone, "patient-odi-1-da")
        choose(phone, str(value))
        phone.get_by_role("button", name="Næste").click()

    phone.locator("#activities-0").fill("Tage strømper på")
    phone.get_by_role("button", name="Næste").click()
    choose(phone, "3", "rating_1")
    phone.get_by_role("button", name="Næste").click()
    for radio in phone.locator("input[value=no]").all():
        phone.locator(f"label[for='{radio.get_attribute('id')}']").click()
    screenshot(phone, "patient-safety-da")
    phone.get_by_role("button", name="Gem og fortsæt").click()

    assert "/review" in phone.url
    screenshot(phone, "patient-review-da")
    phone.get_by_role("button", name="Send mine svar").click()
    assert "/done" in phone.url
    screenshot(phone, "patient-done-da")

    db = connect(live_app.config["DATABASE"])
    odi = next(db.query("SELECT value FROM scores WHERE course_id = ? AND instrument = 'odi'",
                        [course_id]))
    assert odi["value"] == 60
