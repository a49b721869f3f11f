"""Helpers the test modules share: checked pages, answering questionnaires, FHIR checks,
API problems, loopback servers. Not a test module; no test module imports another."""

from __future__ import annotations

import http.client
import re
import socket
from collections import Counter
from datetime import date, timedelta

from bs4 import BeautifulSoup
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from patientapp.accounts import save_clinician
from patientapp.content import SECTION_IDS
from patientapp.courses import queries as courses
from patientapp.questionnaires import queries as answers_db

FHIR_BASE = "https://fhir.example-fysio.dk/fhir"
FHIR_ACTIVITIES = ["Tage strømper på", "Bære en indkøbspose"]
PASSWORD = "correct horse battery"  # nosec B105: every test account's
FIRST = date.today() + timedelta(days=20)  # the first visit `flask enrol` is given


# Where the test clinic's alarm notifications go: without one, no patient gets a link.
ALERT_EMAIL = "vagt@fysio-test.example"


class PageError(AssertionError):
    pass


def check_page(html: str, url: str) -> BeautifulSoup:
    """What every HTML page must have (GOV.UK Notify style): parsed and sanity-checked."""
    page = BeautifulSoup(html, "html5lib")
    assert page.html.get("lang") in ("da", "en"), f"{url}: <html lang> missing"
    assert page.title and page.title.string and page.title.string.strip(), f"{url}: no <title>"
    ids = Counter(tag["id"] for tag in page.find_all(id=True))
    dupes = [i for i, n in ids.items() if n > 1]
    assert not dupes, f"{url}: duplicate ids {dupes}"
    for form in page.find_all("form"):
        assert form.get("action"), f"{url}: a form without action"
        if form.get("method", "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), \
                f"{url}: POST form without CSRF"
    for field in page.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        assert field.get("id") and page.find("label", attrs={"for": field["id"]}), \
            f"{url}: field {field.get('name')} has no label"
    assert len(page.find_all("h1")) == 1, f"{url}: expected exactly one <h1>"
    return page


class CheckingClient:
    """Wraps Flask's test client: HTML responses are parsed and checked on every request."""

    def __init__(self, client):
        self.raw = client

    def _checked(self, response, url):
        response.page = None
        if response.mimetype == "text/html":
            response.page = check_page(response.get_data(as_text=True), url)
        return response

    def get(self, url, **kwargs):
        return self._checked(self.raw.get(url, **kwargs), url)

    def post(self, url, **kwargs):
        return self._checked(self.raw.post(url, **kwargs), url)

    def follow(self, response):
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])


def step_ids(html_page) -> list[str]:
    return [m for m in re.findall(r"/step/([\w-]+)", str(html_page))]


def yesterday() -> date:
    return date.today() - timedelta(days=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET from a server of the tests' own on loopback: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body


# Stored answers of the risk questionnaire with four risk factors present (sick leave, worry,
# fear of movement, many pain sites), and of the GPE ("better"), for helpers that save
# answers directly.
RISK_ANSWERS = {"pain_sites": ["neck", "low_back", "hips", "legs"],
                "work_status": "sick_leave_part", "sick_leave_days": 20, "work_strain": "no",
                "worry": "very", "movement_harm": "agree", "low_mood": "some_days",
                "lost_interest": "not_at_all", "sleep": "a_little", "expectation": "likely"}
GPE_ANSWERS = {"rating": 2}


def answers_for(pathway, alarm: str | None, safety_items: list[dict]) -> dict:
    return {
        "nprs": {site: 6 for site in pathway.nprs_sites},
        "psfs": {"activities": FHIR_ACTIVITIES, "ratings": {"1": 3, "2": 4}},
        "odi": {**dict.fromkeys(SECTION_IDS["odi"], 2), "sex_life": "na"},
        "ndi": dict.fromkeys(SECTION_IDS["ndi"], 1),
        "risk": RISK_ANSWERS, "gpe": GPE_ANSWERS,
        "safety": {item["id"]: "yes" if item["id"] == alarm else "no" for item in safety_items},
    }


def submit(db, content, course_id: int, key: str = "baseline", alarm: str | None = None,
           locale: str = "da", **override) -> int:
    """Answer and submit a timepoint through the patient flow's own functions."""
    pathway = content.pathway(courses.get_course(db, course_id)["pathway"])
    tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    items = content.questionnaire("safety", locale).safety_items(pathway.id)
    answers = {**answers_for(pathway, alarm, items), **override}
    for instrument in [*tp["questionnaires"], "safety"]:
        version = content.questionnaire(instrument, locale).content_version
        answers_db.save_answers(db, tp, instrument, locale, version, answers[instrument],
                                content.translations(instrument).values())
    assert answers_db.submit(db, tp, list(pathway.nprs_sites), items)
    return tp["id"]


def validate(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def references(node) -> list[str]:
    """Every Reference.reference anywhere in a resource."""
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def check_bundle(bundle: dict, base: str = FHIR_BASE) -> dict[str, dict]:
    """Validate a bundle and its resources; every reference resolves inside it."""
    Bundle.model_validate(bundle)
    by_url = {}
    for entry in bundle["entry"]:
        resource = validate(entry["resource"])
        assert entry["fullUrl"] == f"{base}/{resource['resourceType']}/{resource['id']}"
        by_url[entry["fullUrl"]] = resource
    for resource in by_url.values():
        for ref in references(resource):
            assert f"{base}/{ref}" in by_url, f"{resource['id']}: {ref} does not resolve"
    return by_url


def is_outcome(response, status: int) -> dict:
    """A FHIR route's error: an OperationOutcome (application/fhir+json)."""
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"]
    return body


def api_error(response, status: int) -> dict:
    """An /api/v1 error in the format its route family owes: an OperationOutcome under
    /api/v1/fhir/, problem details elsewhere; either way as ``detail``, ``errors`` (field and
    detail) and ``parameter``, so one test reads both."""
    if not response.request.path.startswith("/api/v1/fhir/"):
        return is_problem(response, status)
    issues = is_outcome(response, status)["issue"]
    errors = [{"field": (issue.get("expression") or [None])[0], "detail": issue["diagnostics"]}
              for issue in issues]
    return {"detail": " ".join(error["detail"] for error in errors), "errors": errors,
            "parameter": errors[0]["field"]}


def is_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def submit_timepoint(db, content, course_id, key):
    """Answer a timepoint fully, through the same functions the patient pages use."""
    course = courses.get_course(db, course_id)
    pathway = content.pathway(course["pathway"])
    tp = next(t for t in courses.list_timepoints(db, course_id) if t["key"] == key)
    items = content.questionnaire("safety", "en").safety_items(pathway.id)
    answers = {"nprs": {site: 4 for site in pathway.nprs_sites},
               "psfs": {"activities": ["Walk"], "ratings": {"1": 5}},
               "safety": {item["id"]: "no" for item in items},
               "risk": RISK_ANSWERS, "gpe": GPE_ANSWERS,
               **{name: dict.fromkeys(SECTION_IDS[name], 1) for name in ("odi", "ndi")}}
    for instrument in [*tp["questionnaires"], "safety"]:
        answers_db.save_answers(db, tp, instrument, "da", "1", answers[instrument])
    assert answers_db.submit(db, tp, list(pathway.nprs_sites), items)


def enrol_args(**options) -> list[str]:
    args = {"--pathway": "primary-low-back-pain", "--first-visit": FIRST.isoformat(),
            "--name": "Anna Jensen", **options}
    return ["enrol", *[item for pair in args.items() for item in pair if item is not None]]


def safety_form(content, pathway, answer="no", yes=()):
    items = content.questionnaire("safety", "en").safety_items(pathway)
    return {f"item_{i['id']}": ("yes" if i["id"] in yes else answer) for i in items}


def answer_everything(client, token, content, pathway="primary-low-back-pain", odi=None,
                      nprs=5, yes=(), activities=("Put on socks",), ratings=None):
    """Walk every screen with valid answers, following the app's own redirects."""
    odi = odi or [2] * 10
    response = client.get(f"/q/{token}/step/{_first_step(client, token)}")
    while "/step/" in response.request.path:
        step = response.request.path.rsplit("/", 1)[1]
        data = _answer_for(step, content, pathway, odi, nprs, yes, activities, ratings)
        response = client.post(response.request.path, data=data)
        assert response.status_code == 302, (step, response.page and response.page.text[:500])
        response = client.get(response.headers["Location"])
    return response


def _first_step(client, token):
    home = client.get(f"/q/{token}")
    link = home.page.select_one("a.button")["href"]
    return link.rsplit("/", 1)[1]


def _answer_for(step, content, pathway, odi, nprs, yes, activities, ratings):
    if step.startswith(("odi-", "ndi-")):
        return {"answer": str(odi[int(step.split("-")[1]) - 1])}
    if step.startswith("nprs-"):
        return {"answer": str(nprs)}
    if step == "psfs-activities":
        named = {f"activities-{n}": text for n, text in enumerate(activities)}
        return {**named, "fewer": "y"} if len(activities) < 3 else named
    if step == "psfs-rate":
        count = len(activities)
        return {f"rating_{n}": str((ratings or [4] * count)[n - 1]) for n in range(1, count + 1)}
    if step == "safety":
        return safety_form(content, pathway, yes=yes)
    if step == "gpe":
        return {"answer": "2"}
    if step.startswith("risk-"):  # every item's answer: the screen's form takes its own
        return {item: value if isinstance(value, list) else str(value)
                for item, value in RISK_ANSWERS.items()}
    raise AssertionError(step)


def sign_in_as(client, db, clinic_id: int, role: str = "admin", language: str = "en"):
    """Create a clinician of ``role`` in the clinic (once) and sign ``client`` in as them."""
    email = f"{role}@clinic.example" if clinic_id == 1 else f"{role}{clinic_id}@clinic.example"
    if not list(db.query("SELECT id FROM clinicians WHERE email = ?", [email])):
        save_clinician(db, clinic_id, email, role.title(), PASSWORD, role, language=language)
    response = client.post("/clinic/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


ACTIVITIES = ("Gå en tur", "Cykle", "Bære indkøb")  # the PSFS asks for at least 3


def fill_form(form, activities=ACTIVITIES) -> dict:
    """Valid answers for any questionnaire form, read from the form itself: "no" where it is
    offered, else the first option; a number field 0; the first three text boxes get an
    activity each."""
    data, texts = {}, 0
    for field in form.find_all(["input", "textarea", "select"]):
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind == "submit":
            continue
        if kind == "hidden":
            data[name] = field.get("value", "")
        elif kind in ("radio", "checkbox"):
            if name not in data or field.get("value") == "no":
                data[name] = field.get("value")
        elif field.name == "select":
            data[name] = field.find("option").get("value")
        elif field.get("inputmode") == "numeric":
            data[name] = "0"
        elif texts < len(activities):
            data[name], texts = activities[texts], texts + 1
    return data
