"""Who may reach each route, and a clinic with data to reach them in.

Not a test module: ``test_route_map.py`` proves the access of every route with it, and
``test_fuzz_routes.py`` fuzzes every route as every role that may reach it. Every rule the
app registers must have an entry in ``ACCESS``; a new route without one fails both.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from patientapp import create_app
from patientapp.accounts import save_clinician
from patientapp.api import queries as api_db
from patientapp.clinician import twofactor
from patientapp.db import connect, migrate
from patientapp.demo import create_demo

PUBLIC, PATIENT, CLINICIAN, ADMIN, API_KEY, METRICS = "public", "patient link", "clinician", \
    "admin", "API key", "metrics token"
PASSWORD = "correct horse battery"
PATIENTS = {"da": "Anna Jensen", "en": "Dorte Hansen"}  # demo patients whose links are used

_PATIENT_PAGES = {
    "questionnaires": ("show_home", "save_consent", "answer_step", "show_advice", "show_review",
                       "submit", "show_done", "change_language", "withdraw_consent"),
    "privacy": ("show_my_data", "download_my_data"),
    "exercises": ("show_plan", "show_exercise", "save_log"),
    "education": ("list_modules", "show_module", "mark_read"),
    "progress": ("show_progress",),
}
_CLINIC_PAGES = ("acknowledge_other_alerts", "list_patients", "search_patients", "show_course",
                 "show_answers",
                 "acknowledge_alert", "create_link", "record_paper_consent", "gp_summary",
                 "change_password", "show_overview", "enrol_patient", "edit_course",
                 "move_visits", "end_course", "send_link", "revoke_links",
                 # two-factor sign-in: one's own set-up, switching it off, recovery codes
                 "setup_two_factor", "disable_two_factor", "renew_recovery_codes")
_ADMIN_PAGES = {
    "clinician": ("show_audit", "manage_clinicians", "set_clinician_active", "edit_clinic",
                  "reset_clinician_two_factor"),
    "privacy_admin": ("export_patient", "erase_patient"),
    "api_admin": ("manage_api_keys", "revoke_api_key", "download_scores"),
    "webhooks": ("list_deliveries", "retry_delivery", "retry_failed_deliveries",
                 "edit_webhook_events"),
    "imports": ("show_upload", "upload_file", "download_template", "show_preview",
                "confirm_import"),
}
_API = ("list_courses", "list_course_scores", "list_scores", "search_observations",
        "search_questionnaire_responses", "not_found",
        # the FHIR read API
        "search_questionnaires", "read_questionnaire", "read_questionnaire_response",
        "read_observation", "read_patient", "read_flag",
        # the write API (a key with the write scope)
        "create_course", "move_visit", "change_contact", "put_appointment", "end_course",
        "record_consent")

ACCESS: dict[str, str] = {
    "web.show_index": PUBLIC, "web.change_language": PUBLIC, "monitoring.show_health": PUBLIC,
    "monitoring.show_readiness": PUBLIC, "monitoring.show_metrics": METRICS,
    "static": PUBLIC, "clinician.sign_in": PUBLIC, "clinician.sign_out": PUBLIC,
    "clinician.enter_code": PUBLIC,  # the second sign-in step, after a right password
    "exercise_images.show_illustration": PUBLIC, "api.show_openapi": PUBLIC,
    "api.show_capabilities": PUBLIC,  # the FHIR CapabilityStatement: what, never whose
    "api.no_such_change": PUBLIC,  # a change to no operation: 404/405, key or none
    **{f"{bp}.{name}": PATIENT for bp, names in _PATIENT_PAGES.items() for name in names},
    **{f"clinician.{name}": CLINICIAN for name in _CLINIC_PAGES},
    "exercise_plans.edit_plan": CLINICIAN,
    **{f"consultation.{name}": CLINICIAN for name in (
        "fill_step", "review_fill", "submit_fill", "edit_psfs", "edit_neuro", "edit_tests",
        "edit_record")},
    **{f"{bp}.{name}": ADMIN for bp, names in _ADMIN_PAGES.items() for name in names},
    **{f"api.{name}": API_KEY for name in _API},
}

# The roles that may reach each class of route, each signed in (or not) its own way;
# "pending" typed the right password of an account with two-factor sign-in and is on the
# second step (the code page), so the public routes are tried in that state too.
ROLES = {PUBLIC: ("anonymous", "pending"), PATIENT: ("patient",), CLINICIAN: ("clinician", "admin"),
         ADMIN: ("admin",), API_KEY: ("api",), METRICS: ("metrics",)}
# Answers that are a route's designed reply, not a failure: /readyz says 503 while this
# process should take no traffic (in the tests no worker has taken its lease).
DESIGNED = {("monitoring.show_readiness", 503)}
METRICS_TOKEN = "route-map-metrics-token"


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def rules(app) -> list:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def make_app(tmp_path, **overrides):
    """The app as a clinic runs it, with CSRF off so that a fuzzed form reaches validation,
    and limits so high that the fuzz is never slowed down to a 429."""
    return create_app({
        "TESTING": True, "PROPAGATE_EXCEPTIONS": False, "WTF_CSRF_ENABLED": False,
        "DATABASE": str(tmp_path / "routes.sqlite3"), "BASE_URL": "http://localhost",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
        "PATIENT_RATE_LIMIT": 10**9, "BAD_LINK_LIMIT": 10**9, "SIGN_IN_FAILURE_LIMIT": 10**9,
        "API_RATE_LIMIT": 10**9, "API_AUTH_FAILURE_LIMIT": 10**9, "METRICS_TOKEN": METRICS_TOKEN,
        "TWO_FACTOR_FAILURE_LIMIT": 10**9,
        **overrides})


@dataclass
class World:
    """The demo clinic, a plain clinician, API keys, two patients' links, and a signed-in test
    client per role. ``values`` fills each route's path parameters with real ones."""

    app: object
    clients: dict
    headers: dict
    values: dict
    tokens: dict
    step_ids: dict
    forms: dict = field(default_factory=dict)  # action path -> field name -> sample values
    pending_id: int = 0  # the account whose second sign-in step "pending" is on

    def client(self, role: str, language: str = "da"):
        """The role's client, with the language the next request is answered in."""
        client = self.clients[role]
        with client.session_transaction() as session:
            session.pop("_flashes", None)  # a message from the last request, in its language
            if role == "pending":  # the step lasts minutes; a long run outlasts it
                session["two_factor"] = {"id": self.pending_id, "next": "",
                                         "at": datetime.now(UTC).isoformat(timespec="seconds")}
            if role != "patient":
                session["lang"] = language
        return client

    def arguments(self, language: str = "da") -> dict:
        """Real values for every path parameter, for the link in ``language``."""
        return {**self.values, "token": self.tokens[language],
                "step_id": self.step_ids[language]}

    def url(self, rule, language: str = "da", **overrides) -> str:
        values = {**self.arguments(language), **overrides}
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+(?:\(.*?\))?:)?{name}>", str(values[name]), path)
        return path


def build_world(tmp_path, content=None) -> World:
    app = make_app(tmp_path)
    content = app.extensions["content"]
    db = connect(app.config["DATABASE"])
    migrate(db)
    with app.app_context():
        demo = create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    clinic_id = next(db.query("SELECT clinic_id FROM clinicians"))["clinic_id"]
    admin_id = next(db.query("SELECT id FROM clinicians"))["id"]
    save_clinician(db, clinic_id, "plain@clinic.example", "Plain Clinician", PASSWORD)
    pending_id = save_clinician(db, clinic_id, "2fa@clinic.example", "Two Factor", PASSWORD)
    db.execute("UPDATE clinicians SET totp_secret = ? WHERE id = ?",
               [twofactor.encrypt(twofactor.new_secret(), app.config["SECRET_KEY"]), pending_id])
    key = api_db.save_api_key(db, clinic_id, "Route map", None, "write")[1]
    spare_key_id = api_db.save_api_key(db, clinic_id, "Spare", None)[0]
    links = {p["name"]: p["link"].removeprefix("http://localhost/q/") for p in demo["patients"]}
    tokens = {"da": links[PATIENTS["da"]], "en": links[PATIENTS["en"]]}
    # A course whose link the patient routes do not use: the clinic routes end it and stop
    # its links, which must not close the pages the patient routes are tried on.
    course_id = next(db.query("SELECT courses.id FROM courses JOIN patients ON patients.id ="
                              " courses.patient_id WHERE name NOT IN (?, ?) ORDER BY courses.id",
                              list(PATIENTS.values())))["id"]
    alert_id = next(db.query("SELECT id FROM alerts ORDER BY id"))["id"]
    fhir_ids = fhir_read_ids(db)
    # The consultation pages are tried on the course's next unanswered timepoint.
    timepoint_id = next(db.query("SELECT id FROM timepoints WHERE course_id = ?"
                                 " AND submitted_at IS NULL ORDER BY position",
                                 [course_id]))["id"]
    db.close()
    found = content.library
    module = found.modules_for("primary-low-back-pain", "da")[0]
    exercise = found.exercise("bridge", "da")
    clients = {role: app.test_client() for role in ("anonymous", "pending", "patient",
                                                    "clinician", "admin", "api", "metrics")}
    for role, email in (("admin", "demo@clinic.example"), ("clinician", "plain@clinic.example")):
        response = clients[role].post("/clinic/login", data={"email": email,
                                                             "password": PASSWORD})
        assert response.status_code == 302, role
    upload_id = _upload(clients["admin"])
    step_ids = {}
    for language, token in tokens.items():
        home = clients["patient"].get(f"/q/{token}").get_data(as_text=True)
        step_ids[language] = re.search(r"/step/([\w-]+)", home)[1]
    values = {"course_id": course_id, "alert_id": alert_id, "clinician_id": admin_id,
              "timepoint_id": timepoint_id,
              "key_id": spare_key_id, "delivery_id": 1,
              "exercise_id": "bridge", "slug": module.slug, "name": exercise.illustration,
              "filename": "css/app.css", "unknown": "no-such-thing", "timepoint": "final",
              "appointment_id": "route-map-1", "upload_id": upload_id, **fhir_ids}
    headers = {"api": {"Authorization": f"Bearer {key}"},
               "metrics": {"Authorization": f"Bearer {METRICS_TOKEN}"}}
    world = World(app, clients, headers, values, tokens, step_ids, pending_id=pending_id)
    world.forms = crawl_forms(world)
    return world


def fhir_read_ids(db) -> dict:
    """Ids of the demo clinic's FHIR resources, one of each kind that is read by id."""
    score = next(db.query("SELECT id, response_id FROM scores ORDER BY id"))
    alert = next(db.query("SELECT id FROM alerts WHERE kind != 'delivery' AND timepoint_id"
                          " IS NOT NULL ORDER BY id"))
    pseudonym = next(db.query("SELECT pseudonym FROM patients JOIN courses ON"
                              " courses.patient_id = patients.id JOIN responses ON"
                              " responses.course_id = courses.id WHERE responses.id = ?",
                              [score["response_id"]]))["pseudonym"]
    version = next(db.query("SELECT content_version FROM responses WHERE instrument = 'odi'"
                            " ORDER BY id"))["content_version"]
    return {"response_id": f"qr-{score['response_id']}", "observation_id": f"obs-{score['id']}",
            "flag_id": f"flag-{alert['id']}", "patient_id": pseudonym,
            "questionnaire_id": f"odi-{version}"}


# A bulk import waiting for the admin's confirmation (its preview page has the form).
IMPORT_CSV = ("Navn;Forløb;Første konsultation;Reference\r\n"
              "Route Map;lumbar-radiculopathy;01.06.2030;RM-1\r\n").encode()


def _upload(client) -> str:
    response = client.post("/clinic/admin/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(IMPORT_CSV), "export.csv")})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].rsplit("/", 1)[1]


ROLE_OF_CLASS = {PUBLIC: "anonymous", PATIENT: "patient", CLINICIAN: "admin", ADMIN: "admin"}


def crawl_forms(world: World) -> dict[str, dict[str, list[str]]]:
    """Every form on every page, by the path it posts to: its fields and the values the page
    offers for each (radio and select options, defaults), as a browser would see them."""
    forms: dict[str, dict[str, list[str]]] = {}
    for rule in rules(world.app):
        access = ACCESS.get(rule.endpoint)
        if "GET" not in rule.methods or access not in ROLE_OF_CLASS or rule.endpoint == "static":
            continue
        for language in ("da", "en"):
            client = world.client(ROLE_OF_CLASS[access], language)
            response = client.get(world.url(rule, language))
            if response.mimetype != "text/html":
                continue
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            for form in page.find_all("form"):
                fields = forms.setdefault(urlsplit(form.get("action") or "").path, {})
                for tag in form.find_all(["input", "select", "textarea", "button"]):
                    if tag.get("name"):
                        _sample_values(tag, fields.setdefault(tag["name"], []))
    return forms


def _sample_values(tag, values: list[str]) -> None:
    offered = [tag.get("value")] if tag.name != "select" else \
        [o.get("value", o.text) for o in tag.find_all("option")]
    if tag.name == "textarea":
        offered = [tag.text]
    for value in offered:
        if value is not None and value not in values:
            values.append(value)


def form_fields(world: World, rule, language: str = "da") -> dict[str, list[str]]:
    """The fields of every form that posts to this route (any language's link)."""
    paths = {world.url(rule, lang) for lang in ("da", "en")} | {world.url(rule, language)}
    found: dict[str, list[str]] = {}
    for path in paths:
        for name, values in world.forms.get(path, {}).items():
            found.setdefault(name, [])
            found[name] += [v for v in values if v not in found[name]]
    return found
