"""A patient opens the plan on a phone, logs a session; the physiotherapist sees it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from patientapp.accounts import save_clinic, save_clinician
from patientapp.courses import queries as courses
from patientapp.db import connect
from patientapp.exercises import queries as plans

from .conftest import PHONE, choose, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PLAN = [plans.PlanItem("bridge", sets=3, reps=10), plans.PlanItem("plank", sets=3, hold_seconds=20),
        plans.PlanItem("walking-programme", minutes=15, note="Gerne efter frokost")]


def patient_with_plan(app, language="da") -> tuple[int, str]:
    """A back-pain patient a week into the course, with a plan from their physiotherapist."""
    db = connect(app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Browser", alert_emails="vagt@fysio.example")
    clinician = save_clinician(db, clinic, "fysio@browser.example", "Fysio Fie", PASSWORD)
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Browser Patient",
                                                     language=language),
                              app.extensions["content"].pathway("primary-low-back-pain"),
                              date.today() - timedelta(days=8))
    courses.record_consent(db, course_id, "given")
    plans.save_plan(db, course_id, clinician, PLAN, 3, "Lidt og tit er bedre end meget.")
    token = courses.create_invitation(db, courses.list_timepoints(db, course_id)[0])
    db.close()
    return course_id, f"{app.config['BASE_URL']}/q/{token}"


def test_patient_logs_a_session_on_a_phone_and_the_clinic_sees_it(live_app, phone, browser):
    course_id, link = patient_with_plan(live_app)
    phone.goto(link)
    phone.locator(".course-links a[href$='/exercises']").click()
    assert phone.locator("html").get_attribute("lang") == "da"
    assert phone.locator(".exercise-card").count() == 3
    screenshot(phone, "exercises-plan-da")

    phone.locator(".exercise-card__title a").first.click()
    assert phone.locator("h1").inner_text().strip() == "Bro"
    assert phone.locator(".exercise__figure img").evaluate("img => img.naturalWidth") > 0
    screenshot(phone, "exercises-exercise-da")
    choose(phone, "done", "status")
    choose(phone, "worse", "pain")
    choose(phone, "6", "effort")
    phone.locator(".log-form button[type=submit]").click()

    assert phone.url.endswith("/exercises")
    assert phone.locator(".exercise-card .tag--done").count() == 1

    phone.locator(".course-nav a[href$='/read']").click()
    screenshot(phone, "education-list-da")
    phone.locator(".module-card__title a").first.click()
    screenshot(phone, "education-module-da")
    phone.locator("form[action$='/done'] button").click()

    phone.locator("button[name=language][value=en]").click()
    phone.locator(".course-nav a[href$='/exercises']").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    screenshot(phone, "exercises-plan-en")
    phone.locator(".exercise-card__title a").nth(1).click()
    assert phone.locator("h1").inner_text().strip() == "Plank"
    screenshot(phone, "exercises-exercise-en")
    phone.locator("a[href$='/exercises']").first.click()
    phone.locator(".course-nav a[href$='/read']").click()
    assert phone.locator(".module-card .tag--done").count() == 1
    screenshot(phone, "education-list-en")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    clinic = desk.new_page()
    clinic.goto(f"{live_app.config['BASE_URL']}/clinic/login")
    clinic.locator("#email").fill("fysio@browser.example")
    clinic.locator("#password").fill(PASSWORD)
    clinic.locator("form button[type=submit]").click()
    clinic.goto(f"{live_app.config['BASE_URL']}/clinic/courses/{course_id}")
    section = clinic.locator("#exercise-section")
    assert "Bro" in section.inner_text()
    assert section.locator("table.adherence tbody tr").last.locator("td").first \
        .inner_text().strip() == "1"
    assert section.locator("li.reading--read").count() == 1
    screenshot(clinic, "clinician-course-exercise")
    clinic.locator(f"a[href='/clinic/courses/{course_id}/plan']").first.click()
    assert clinic.locator(".log-list li").count() == 1
    screenshot(clinic, "clinician-exercise-plan")
    desk.close()


def test_a_log_made_offline_is_kept_and_sent_when_back_online(live_app, browser):
    """With JavaScript on, losing the connection does not lose the log."""
    course_id, link = patient_with_plan(live_app, language="en")
    context = browser.new_context(**PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{link}/exercises/bridge")
    context.set_offline(True)
    choose(page, "partly", "status")
    choose(page, "same", "pain")
    choose(page, "4", "effort")
    page.locator(".log-form button[type=submit]").click()
    status = page.locator("#offline-status")
    status.wait_for(state="visible")
    assert "saved on this phone" in status.inner_text()
    assert _logs(live_app, course_id) == []

    context.set_offline(False)
    page.wait_for_function("() => (localStorage.getItem('patientapp-exercise-logs') || '[]')"
                           " === '[]'")
    assert "have been sent" in status.inner_text()
    [row] = _logs(live_app, course_id)
    assert (row["status"], row["pain"], row["effort"]) == ("partly", "same", 4)
    assert row["client_id"]
    screenshot(page, "exercises-offline-sent-en")
    context.close()


def _logs(app, course_id: int) -> list[dict]:
    db = connect(app.config["DATABASE"])
    rows = plans.list_logs(db, course_id)
    db.close()
    return rows
