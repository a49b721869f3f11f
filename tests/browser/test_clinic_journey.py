"""A physiotherapist's whole loop in a real browser: sign in, enrol a patient, open the
patient's link on a phone, complete it with an alarm answer, and see the new score and the
alert at the top of the dashboard. Also: every patient page stays within its weight budget.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from patientapp.accounts import save_clinic, save_clinician

from .conftest import PHONE, answer_risk_screens, choose, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
BUDGET_BYTES = 30 * 1024


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_enrol_answer_and_see_the_alert_on_the_dashboard(live_app, browser, device):
    """The physiotherapist at a desk, or between patients on a phone."""
    from patientapp.db import connect

    db = connect(live_app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Journey", "+45 33 33 33 33", alert_emails="vagt@fysio.example")
    save_clinician(db, clinic, "pt@journey.dk", "PT Journey", PASSWORD)
    base = live_app.config["BASE_URL"]
    desk = browser.new_context(**(PHONE if device == "phone" else
                                  {"viewport": {"width": 1280, "height": 900}})).new_page()
    desk.goto(f"{base}/clinic/login")
    desk.fill("#email", "pt@journey.dk")
    desk.fill("#password", PASSWORD)
    desk.locator("button.button").click()
    desk.goto(f"{base}/clinic/patients/new")
    desk.fill("#name", "Journey Patient")
    choose(desk, "lumbar-radiculopathy", "pathway")
    desk.fill("#first_visit", (date.today() + timedelta(days=2)).isoformat())
    desk.locator("form button.button").click()
    assert "Journey Patient" in desk.locator("h1").inner_text()
    desk.locator("form[action$='/link'] button").click()
    link = desk.locator("#patient-link").input_value()

    phone = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    phone.goto(link)
    choose(phone, "given", "consent")
    phone.locator("button[type=submit]").click()
    while "/step/" in phone.url:
        step = phone.url.rsplit("/", 1)[1]
        if step == "psfs-activities":
            for n, activity in enumerate(("Cykle på arbejde", "Løfte mit barn", "Sove")):
                phone.fill(f"#activities-{n}", activity)
        elif step == "psfs-rate":
            for n in (1, 2, 3):
                choose(phone, "3", f"rating_{n}")
        elif step.startswith("risk-"):
            answer_risk_screens(phone, lambda p: p.locator("button[value=next]").click())
            continue
        elif step == "safety":
            for radio in phone.locator("input[value=no]").all():
                phone.locator(f"label[for='{radio.get_attribute('id')}']").click()
            choose(phone, "yes", "item_leg_weakness_worsening")
        else:
            choose(phone, "3")
        phone.locator("button[value=next]").click()
    assert "/advice" in phone.url and "112" in phone.locator("main").inner_text()
    phone.locator("a.button[href$='/review']").click()
    phone.locator("form[action$='/submit'] button").click()
    assert "/done" in phone.url

    desk.goto(f"{base}/clinic/")
    first_row = desk.locator("tbody tr").first
    assert "Journey Patient" in first_row.inner_text()
    assert first_row.locator(".tag--alarm").count() == 1
    first_row.locator("a").click()
    assert desk.locator(".alert-item--alarm").count() == 1
    assert desk.locator("#scores-odi").count() == 1
    screenshot(desk, f"journey-dashboard-course-{device}")
    db.close()


def test_every_patient_page_is_within_its_weight_budget(live_app, browser):
    """HTML + CSS + any JS of each patient page, with no fonts and no third-party requests."""
    from patientapp.courses import queries as courses
    from patientapp.db import connect
    from patientapp.demo import create_demo
    from patientapp.exercises import queries as plans
    from patientapp.questionnaires.kinds import build_steps

    db = connect(live_app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Weight", alert_emails="vagt@fysio.example")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Weight"),
                              live_app.extensions["content"].pathway("lumbar-radiculopathy"),
                              date.today())
    courses.record_consent(db, course_id, "given")
    clinician = save_clinician(db, clinic, "fysio@weight.example", "Fysio Weight", PASSWORD)
    plans.save_plan(db, course_id, clinician, [
        plans.PlanItem("bridge", sets=3, reps=10), plans.PlanItem("plank", sets=3, hold_seconds=20),
        plans.PlanItem("sciatic-nerve-slider-lying", sets=2, reps=10),
        plans.PlanItem("walking-programme", minutes=15)], 3, "Lidt og tit.")
    timepoints = courses.list_timepoints(db, course_id)
    token = courses.create_invitation(db, timepoints[0])
    base = f"{live_app.config['BASE_URL']}/q/{token}"
    # Every screen of the baseline, and the final consultation's screens of other kinds (GPE).
    final = next(tp for tp in timepoints if tp["is_final"])
    final_base = f"{live_app.config['BASE_URL']}/q/{courses.create_invitation(db, final)}"
    pathway = live_app.extensions["content"].pathway("lumbar-radiculopathy")
    baseline = build_steps(timepoints[0]["questionnaires"], list(pathway.nprs_sites), True)
    kinds = {step.kind for step in baseline}
    pages = [base, *(f"{base}/step/{step.id}" for step in baseline),
             *(f"{final_base}/step/{step.id}" for step in build_steps(
                 final["questionnaires"], list(pathway.nprs_sites), True)
               if step.kind not in kinds),
             f"{base}/review", f"{base}/my-data", f"{base}/read",
             f"{base}/read/what-is-nerve-root-pain", f"{base}/exercises",
             f"{base}/exercises/bridge"]
    demo = create_demo(db, live_app.extensions["content"], live_app.config["BASE_URL"],
                       date.today(), PASSWORD)
    erik = next(p["link"] for p in demo["patients"] if p["name"] == "Erik Madsen")
    pages += [f"{base}/progress", f"{erik}/progress"]  # none yet; charts, worse and an alarm
    context = browser.new_context(**PHONE)
    for url in pages:
        page = context.new_page()  # a page per URL, so each has its own response log
        responses = []
        page.on("response", lambda response, log=responses: log.append(response))
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")
        total = sum(len(response.body()) for response in responses)
        hosts = {response.url.split("/")[2] for response in responses}
        assert total <= BUDGET_BYTES, f"{url}: {total} bytes"
        assert hosts == {live_app.config["BASE_URL"].split("/")[2]}, hosts
        assert page.evaluate("document.fonts.size") == 0
        page.close()
    context.close()
    db.close()
