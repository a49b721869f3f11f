"""An alarm answer reaches a person at the clinic, and the patient is told only what is true.

Walks every safety question of every course from the content files, so a question added
later is covered. E-mail goes to a real SMTP server on loopback.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import ALERT_EMAIL, RISK_ANSWERS

from patientapp.accounts import save_clinic, save_clinician
from patientapp.content import load_content
from patientapp.courses import queries as courses
from patientapp.notifications import alarms
from patientapp.notifications import queries as outbox
from patientapp.notifications.backends import DeliveryError, SmtpEmail
from patientapp.notifications.sending import Outlets, send_due
from patientapp.timeutil import CLINIC_TZ
from patientapp.web import background

CONTENT = load_content(Path(__file__).resolve().parents[1] / "content")
ITEMS = [(pathway, item["id"], item["level"])
         for pathway in sorted(CONTENT.pathways)
         for item in CONTENT.questionnaire("safety", "da").safety_items(pathway, "baseline")]
PASSWORD = "correct horse battery"
HEALTH_WORDS = re.compile(
    r"\b(odi|ndi|nprs|psfs|pain|back|neck|nerve|leg|arm|bladder|cancer|smerte\w*|ryg\w*|"
    r"nakke\w*|ben|blære\w*|kræft\w*|Test Patient)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def app_context(app):
    """Messages are rendered from templates, in the app's languages."""
    with app.app_context():
        yield


class Recording:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


class Failing:
    def send(self, message):
        raise DeliveryError("e-mail not accepted: ConnectionRefusedError [Errno 111]")


def recording_outlets() -> Outlets:
    return Outlets(email=Recording(), sms=Recording(), base_url="http://localhost")


def night() -> datetime:
    """03:00 tonight, clinic time: outside the patients' sending hours."""
    return datetime.combine(date.today() + timedelta(days=1), datetime.min.time(),
                            CLINIC_TZ).replace(hour=3)


def answer_safety(client, token, yes: set[str], content, pathway="primary-low-back-pain"):
    items = content.questionnaire("safety", "da").safety_items(pathway, "baseline")
    data = {f"item_{item['id']}": "yes" if item["id"] in yes else "no" for item in items}
    return client.raw.post(f"/q/{token}/step/safety", data=data)


def alarm_rows(db, course_id=None) -> list[dict]:
    return [row for row in outbox.list_outbox(db, course_id) if row["kind"] == "alarm"]


@pytest.mark.parametrize(("pathway", "item", "level"), ITEMS)
def test_every_alarm_answer_gives_advice_and_queues_one_notification(client, db, enrol, content,
                                                                     pathway, item, level):
    course_id, token = enrol(pathway=pathway, consent="given")
    response = answer_safety(client, token, {item}, content, pathway)
    assert response.status_code == 302 and response.headers["Location"].endswith("/advice")
    page = client.get(f"/q/{token}/advice").page
    advice = page.select_one(f".alert--{level}")
    assert advice is not None and "112" in advice.text
    assert "Vi er ved at sende Fysio Test en besked om dit svar" in page.text
    assert "har også fået besked" not in page.text
    assert [(r["channel"], r["recipient"], r["status"]) for r in alarm_rows(db, course_id)] == \
        [("email", ALERT_EMAIL, "pending")]
    answer_safety(client, token, {item}, content, pathway)  # saved again: nothing new
    assert len(alarm_rows(db, course_id)) == 1


def test_no_alarm_answer_queues_nothing(client, db, enrol, content):
    course_id, token = enrol(consent="given")
    assert answer_safety(client, token, set(), content).status_code == 302
    assert alarm_rows(db, course_id) == []


def test_the_clinic_gets_an_email_at_night_and_the_patient_is_then_told(client, db, enrol,
                                                                       content, smtp_server,
                                                                       clinic_id):
    port, inbox = smtp_server
    db.execute("UPDATE clinics SET alert_emails = ?, alert_phones = ? WHERE id = ?",
               ["vagt@fysio.example,leder@fysio.example", "+4512345678", clinic_id])
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"bladder_bowel_control"}, content)
    sms = Recording()
    outlets = Outlets(email=SmtpEmail("127.0.0.1", port, "skema@fysio.example", starttls=False),
                      sms=sms, base_url="http://localhost")
    report = send_due(db, night(), outlets)
    assert report.outside_hours and report.sent == 0  # no patient is woken
    assert report.alarms.sent == 3 and not report.failed
    assert sorted(r[0] for r in inbox.recipients) == ["leder@fysio.example", "vagt@fysio.example"]
    for message in inbox.messages:
        text = message.get_body(("plain",)).get_content()
        assert "En patient har meldt et alarmsymptom" in message["Subject"]
        assert "http://localhost/clinic/" in text
        assert not HEALTH_WORDS.search(text + message["Subject"]), text
    assert sms.sent[0].to == "+4512345678" and not HEALTH_WORDS.search(sms.sent[0].text)
    assert {r["status"] for r in alarm_rows(db, course_id)} == {"sent"}
    page = client.get(f"/q/{token}/advice").page
    assert "Vi sendte Fysio Test en besked om dit svar" in page.text
    assert send_due(db, night() + timedelta(minutes=5), outlets).alarms.sent == 0  # once only
    assert len(inbox.messages) == 2


def test_the_notification_goes_out_at_once_from_the_answer(app, client, db, enrol, content,
                                                          smtp_server):
    port, inbox = smtp_server
    app.config.update(ALARM_SEND_ON_SAVE=True, SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                      SMTP_STARTTLS=False, MAIL_FROM="skema@fysio.example")
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"saddle_numbness"}, content)
    background.wait(app)
    assert [r["status"] for r in alarm_rows(db, course_id)] == ["sent"]
    assert inbox.recipients == [[ALERT_EMAIL]]


def test_a_failing_notification_is_retried_then_the_patient_is_told_to_call(client, db, enrol,
                                                                           content):
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"fever_or_unwell"}, content)
    outlets = Outlets(email=Failing(), sms=Recording(), base_url="http://localhost")
    moment = datetime.now(UTC)
    for attempt in range(1, alarms.MAX_ATTEMPTS + 1):
        report = alarms.send_alarm_notifications(db, moment, outlets)
        assert report.failed == 1, attempt
        assert alarms.send_alarm_notifications(db, moment, outlets).failed == 0  # waits
        moment = alarms.next_attempt(moment, attempt)
    [row] = alarm_rows(db, course_id)
    assert row["status"] == "failed" and row["attempts"] == alarms.MAX_ATTEMPTS
    alert = next(db.query("SELECT * FROM alerts WHERE kind = 'delivery' AND course_id = ?",
                          [course_id]))
    assert alert["key"] == f"outbox:{row['id']}"
    page = client.get(f"/q/{token}/advice").page
    assert "har ikke automatisk fået besked om dit svar" in page.text
    assert page.select_one("a[href='tel:+4511223344']") is not None


def test_sending_the_answers_does_not_cancel_the_notification(client, db, enrol, content):
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"unbearable_pain"}, content)
    assert outbox.cancel_obsolete(db, datetime.now(UTC) + timedelta(days=30)) == 0
    assert [r["status"] for r in alarm_rows(db, course_id)] == ["pending"]


def test_a_notification_cut_off_mid_send_is_not_sent_again(client, db, enrol, content):
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"unbearable_pain"}, content)
    [row] = alarm_rows(db, course_id)
    moment = datetime.now(UTC)
    assert outbox.claim_alarm(db, row["id"], moment) == 1  # then the run dies
    assert outbox.claim_alarm(db, row["id"], moment) is None  # nobody else takes it
    outlets = recording_outlets()
    report = send_due(db, moment + timedelta(minutes=20), outlets)
    assert report.interrupted == 1 and outlets.email.sent == []
    assert [r["status"] for r in alarm_rows(db, course_id)] == ["unknown"]
    assert "har ikke automatisk fået besked" in client.get(f"/q/{token}/advice").page.text


def test_notifications_go_to_the_patients_own_clinic(client, db, content):
    other = save_clinic(db, "Fysio Syd", alert_emails="syd@fysio.example")
    course_id = courses.enrol(db, courses.NewPatient(other, "Test Patient"),
                              content.pathway("primary-low-back-pain"), date.today())
    courses.record_consent(db, course_id, "given")
    timepoint = courses.list_timepoints(db, course_id)[0]
    token = courses.create_invitation(db, timepoint)
    answer_safety(client, token, {"saddle_numbness"}, content)
    assert [r["recipient"] for r in alarm_rows(db)] == ["syd@fysio.example"]


# --- no link before the clinic has said where alarms go ------------------------------------

@pytest.fixture
def bare_clinic(db, client):
    """A clinic with no alert address, its admin signed in, and a patient with contacts."""
    clinic = save_clinic(db, "Fysio Uden", "+45 22 22 22 22")
    save_clinician(db, clinic, "admin@uden.example", "Admin", PASSWORD, "admin")
    client.post("/clinic/login", data={"email": "admin@uden.example", "password": PASSWORD})
    return clinic


def test_no_patient_gets_a_link_until_alert_addresses_are_set(client, db, content, bare_clinic):
    first_visit = date.today() + timedelta(days=1)
    course_id = courses.enrol(db, courses.NewPatient(bare_clinic, "Test Patient",
                                                     email="anna@example.dk"),
                              content.pathway("primary-low-back-pain"), first_visit)
    outlets = recording_outlets()
    send_at = date.fromisoformat(courses.list_timepoints(db, course_id)[0]["send_at"])
    noon = datetime.combine(send_at, datetime.min.time(), CLINIC_TZ).replace(hour=12)
    report = send_due(db, noon, outlets)
    assert report.held_back == [bare_clinic] and outlets.email.sent == []
    page = client.get("/clinic/").page
    assert "Patienterne får ikke deres links." in page.text
    for action in ("link", "send-link"):
        response = client.raw.post(f"/clinic/courses/{course_id}/{action}")
        assert response.status_code == 302
    assert outbox.list_outbox(db, course_id) == []
    assert not list(db.query("SELECT id FROM invitations"))
    saved = client.post("/clinic/admin/settings", data={
        "name": "Fysio Uden", "phone": "+45 22 22 22 22", "email": "",
        "alert_emails": "Vagt@Fysio-Uden.example", "alert_phones": ""})
    assert saved.status_code == 302
    report = send_due(db, noon, outlets)
    assert report.held_back == [] and [m.to for m in outlets.email.sent] == ["anna@example.dk"]
    assert "Patienterne får ikke deres links." not in client.get("/clinic/").page.text


@pytest.mark.parametrize(("emails", "phones", "field", "message"), [
    ("", "", "alert_emails", "Skriv mindst én e-mailadresse eller ét mobilnummer"),
    ("vagt@fysio.example, ikke-en-adresse", "", "alert_emails",
     "“ikke-en-adresse”: Skriv en e-mailadresse i det rigtige format"),
    ("", "12 34 56 78, 123", "alert_phones", "“123”: Skriv et mobilnummer"),
    (", ".join(f"v{n}@fysio.example" for n in range(6)), "", "alert_emails", "højst 5"),
])
def test_alert_addresses_are_checked_and_kept(client, db, bare_clinic, emails, phones, field,
                                              message):
    response = client.post("/clinic/admin/settings", data={
        "name": "Fysio Uden", "phone": "", "email": "", "alert_emails": emails,
        "alert_phones": phones})
    assert response.status_code == 400
    assert [a["href"] for a in response.page.select(".error-summary a")] == [f"#{field}"]
    assert message in response.page.select_one(f"#{field}-error").text
    assert shown(response.page, "alert_emails") == emails
    assert shown(response.page, "alert_phones") == phones


def shown(page, field_id: str) -> str:
    """What a text field or a text area shows."""
    element = page.select_one(f"#{field_id}")
    return element["value"] if element.name == "input" else element.text.strip()


def test_alert_addresses_are_stored_normalised(client, db, bare_clinic):
    client.post("/clinic/admin/settings", data={
        "name": "Fysio Uden", "phone": "", "email": "",
        "alert_emails": "Vagt@Fysio.EXAMPLE; vagt@fysio.example\nleder@fysio.example",
        "alert_phones": "12 34 56 78"})
    clinic = next(db.query("SELECT * FROM clinics WHERE id = ?", [bare_clinic]))
    assert clinic["alert_emails"] == "Vagt@fysio.example,leder@fysio.example"
    assert clinic["alert_phones"] == "+4512345678"
    page = client.get("/clinic/admin/settings").page
    assert shown(page, "alert_phones") == "+4512345678"


# --- what a GP or patient reads ---------------------------------------------------------

FAIRBANK_WORDS = re.compile(
    r"bed-bound|exaggerat|crippl|sengeliggende|overdriv|invaliderende", re.IGNORECASE)


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_band_is_named_in_fairbanks_judging_words(app, language):
    from flask_babel import force_locale

    from patientapp.web.labels import BANDS

    with app.test_request_context(), force_locale(language):
        names = [str(name) for name in BANDS.values()]
    assert not [name for name in names if FAIRBANK_WORDS.search(name)]


def test_the_gp_summary_names_the_top_odi_band_neutrally(client, db, content, clinic_id):
    from patientapp.questionnaires import queries as answers_db

    save_clinician(db, clinic_id, "pt@fysio-test.example", "PT", PASSWORD)
    client.post("/clinic/login", data={"email": "pt@fysio-test.example", "password": PASSWORD})
    course_id = courses.enrol(db, courses.NewPatient(clinic_id, "Test Patient"),
                              content.pathway("primary-low-back-pain"), date.today())
    baseline = courses.list_timepoints(db, course_id)[0]
    odi = content.questionnaire("odi", "da")
    pathway = content.pathway("primary-low-back-pain")
    answers = {"odi": {section["id"]: 5 for section in odi.sections},
               "nprs": dict.fromkeys(pathway.nprs_sites, 8),
               "psfs": {"activities": ["Gå"], "ratings": {"1": 2}}, "risk": RISK_ANSWERS}
    for instrument in baseline["questionnaires"]:
        answers_db.save_answers(db, baseline, instrument, "da", "1", answers[instrument])
    assert answers_db.submit(db, baseline, list(pathway.nprs_sites), [])
    page = client.get(f"/clinic/courses/{course_id}/summary").page
    assert "ekstrem funktionsnedsættelse" in page.text
    assert not FAIRBANK_WORDS.search(page.select_one("main").text)


def test_the_advice_stays_on_the_home_page_until_the_clinic_has_dealt_with_it(client, db,
                                                                              enrol, content):
    course_id, token = enrol(consent="given")
    answer_safety(client, token, {"constant_night_pain"}, content)
    client.raw.post(f"/q/{token}/submit")
    home = client.get(f"/q/{token}").page
    box = home.select_one(".alert--urgent")
    assert box is not None and "Kontakt din læge i dag" in box.text
    assert box.select_one(f"a[href='/q/{token}/advice']") is not None
    assert home.select_one("a[href='tel:+4511223344']") is not None
    assert "Kontakt din læge i dag" in client.get(f"/q/{token}/advice").page.text
    db.execute("UPDATE alerts SET acknowledged_at = '2026-01-01T00:00:00+00:00'"
               " WHERE course_id = ?", [course_id])
    assert client.get(f"/q/{token}").page.select_one(".alert--urgent") is None
