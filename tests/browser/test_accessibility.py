"""Every page a patient or clinician can reach, in Danish and English, in a real browser:
axe-core finds no violations, the page reflows at 320 px (which is also what 200 % browser
zoom does to any screen of 640 px or more) and with text enlarged to 200 %, touch targets are
at least 44×44 px, <html lang> is right, the language switch is there, and a page showing an
error summary has moved focus to it, with each field in error pointing to its message
(aria-describedby). Screenshots of each page are kept for people to look at.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from route_map import ACCESS, PATIENT
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from patientapp import create_app
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate
from patientapp.demo import create_demo

from .conftest import (
    PHONE,
    answer_risk_screens,
    axe_violations,
    error_summary_problems,
    horizontal_overflow,
    screenshot,
    small_touch_targets,
    wide_elements,
)

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One demo clinic served on loopback for the whole module."""
    folder = tmp_path_factory.mktemp("a11y")
    app = create_app({"DATABASE": str(folder / "a11y.sqlite3"),
                      "SECRET_KEY": "a11y-test-secret-key-0123456789abcdef"})
    db = connect(app.config["DATABASE"])
    migrate(db)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    demo = create_demo(db, app.extensions["content"], base, date.today(), PASSWORD)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "db": db, "base": base, "demo": demo}
    server.shutdown()
    db.close()


def fresh_link(site, language: str, consent: str | None = None,
               pathway: str = "lumbar-radiculopathy", expired: bool = False,
               timepoint: int = 0) -> str:
    db, content = site["db"], site["app"].extensions["content"]
    clinic = next(db.query("SELECT id FROM clinics"))["id"]
    course_id = courses.enrol(db, courses.NewPatient(clinic, f"A11y {language}",
                                                     language=language),
                              content.pathway(pathway), date.today() + timedelta(days=3))
    if consent:
        courses.record_consent(db, course_id, consent)
    token = courses.create_invitation(db, courses.list_timepoints(db, course_id)[timepoint])
    if expired:
        db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00+00:00'"
                   " WHERE course_id = ?", [course_id])
    return f"{site['base']}/q/{token}"


def use_language(page, language: str) -> None:
    """Switch with the page's own language button, when the page is not in it already."""
    if page.locator("html").get_attribute("lang") != language:
        page.locator(".language-switch button").click()


class Audit:
    """Collects every problem on every page, so one run reports them all."""

    def __init__(self, page, axe_source, language, prefix):
        self.page, self.axe, self.language, self.prefix = page, axe_source, language, prefix
        self.problems: list[str] = []
        self.count = 0
        self.paths: set[str] = set()

    def check(self, name: str) -> None:
        page, where = self.page, f"{name} ({self.language})"
        self.count += 1
        self.paths.add(urlsplit(page.url).path)
        lang = page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.problems.append(f"{where}: <html lang={lang}>")
        self.problems += [f"{where}: axe {v}" for v in axe_violations(page, self.axe)]
        self.problems += [f"{where}: small target {t}" for t in small_touch_targets(page)]
        self.problems += [f"{where}: {p}" for p in error_summary_problems(page)]
        if not page.locator(".language-switch button").count():
            self.problems.append(f"{where}: no language switch")
        screenshot(page, f"{self.prefix}-{name}-{self.language}")
        size = page.viewport_size
        page.set_viewport_size({"width": 320, "height": size["height"]})
        if (overflow := horizontal_overflow(page)) > 0:
            self.problems.append(f"{where}: {overflow}px horizontal scroll at 320px:"
                                 f" {wide_elements(page)}")
        page.set_viewport_size(size)
        page.evaluate("document.documentElement.style.fontSize = '200%'")  # text-only zoom
        if (overflow := horizontal_overflow(page)) > 0:
            self.problems.append(f"{where}: {overflow}px horizontal scroll with 200% text:"
                                 f" {wide_elements(page)}")
        page.evaluate("document.documentElement.style.fontSize = ''")

    def choose(self, value: str, name: str = "answer") -> None:
        radio = self.page.locator(f"input[name='{name}'][value='{value}']")
        self.page.locator(f"label[for='{radio.get_attribute('id')}']").click()

    def next(self) -> None:
        self.page.locator("button[value=next]").click()


@pytest.fixture
def phone_js(browser):
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_patient_page_is_accessible(site, phone_js, axe_source, language):
    audit, page = Audit(phone_js, axe_source, language, "patient"), phone_js
    page.goto(site["base"] + "/")
    use_language(page, language)
    audit.check("index")
    page.goto(site["base"] + "/q/not-a-token")
    audit.check("link-unknown") if language == "da" else None
    page.goto(fresh_link(site, language, expired=True))
    audit.check("link-expired")

    # The final consultation's question about change since the course began.
    page.goto(fresh_link(site, language, consent="given", timepoint=-1) + "/step/gpe")
    audit.check("step-gpe")

    page.goto(fresh_link(site, language))
    audit.check("welcome")
    page.locator("button[type=submit]").click()  # no choice: error summary
    audit.check("welcome-error")
    audit.choose("given", "consent")
    page.locator("button[type=submit]").click()
    audit.check("step-nprs")
    audit.next()  # nothing chosen
    audit.check("step-error")
    for value in ("4", "6"):
        audit.choose(value)
        audit.next()
    audit.check("step-odi-first")
    for number in range(1, 11):
        if number == 8:
            audit.check("step-odi-not-applicable")
        audit.choose("2")
        audit.next()
    audit.check("step-psfs-activities")
    page.locator("#activities-0").fill("Gå en tur")
    audit.next()  # fewer than 3: the message, and the box to confirm fewer on purpose
    audit.check("step-psfs-fewer-than-three")
    page.locator("label[for=fewer]").click()
    audit.next()
    audit.check("step-psfs-rate")
    audit.choose("5", "rating_1")
    audit.next()
    audit.check("step-risk-sites")
    audit.next()  # nothing ticked
    audit.check("step-risk-sites-error")
    page.locator("label[for='pain_sites-3']").click()
    audit.next()
    audit.check("step-risk-work")  # two questions: a choice and a number of days
    audit.choose("sick_leave_part", "work_status")
    page.locator("[inputmode=numeric]").fill("many")
    audit.next()
    audit.check("step-risk-days-error")
    page.locator("[inputmode=numeric]").fill("3")
    audit.next()
    audit.choose("no", "work_strain")
    audit.next()
    audit.check("step-risk-pair")  # two choice questions
    audit.next()  # neither answered: the summary names both
    audit.check("step-risk-pair-error")
    answer_risk_screens(page, lambda p: audit.next())
    audit.check("step-safety")
    for radio in page.locator("input[value=no]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    first_yes = page.locator("input[value=yes]").first
    page.locator(f"label[for='{first_yes.get_attribute('id')}']").click()
    audit.next()
    audit.check("advice")
    page.locator("a.button[href$='/review']").click()
    audit.check("review")
    page.locator("form[action$='/submit'] button").click()
    audit.check("done")
    page.goto(page.url.rsplit("/", 1)[0])
    audit.check("home")
    home = page.url
    page.goto(home + "/my-data")
    audit.check("my-data")
    page.goto(home + "/consent/withdraw")
    audit.check("withdraw-consent")
    page.goto(home + "/progress")  # one questionnaire sent: no chart yet
    audit.check("progress-first")
    for name, path in (("reading-list", "/read"), ("module", "/read/what-is-nerve-root-pain"),
                       ("exercises", "/exercises")):
        page.goto(home + path)
        audit.check(name)
    bent = next(p["link"] for p in site["demo"]["patients"] if p["name"] == "Bent Nielsen")
    page.goto(bent + "/exercises")  # a demo patient with a plan
    use_language(page, language)
    audit.check("exercise-plan")
    page.locator("main a[href*='/exercises/']").first.click()
    audit.check("exercise")
    erik = next(p["link"] for p in site["demo"]["patients"] if p["name"] == "Erik Madsen")
    page.goto(erik + "/progress")  # charts, a legend, worse, an open alarm
    use_language(page, language)
    audit.check("progress")
    assert not audit.problems, "\n".join(audit.problems)
    assert not (missed := unvisited(site["app"], audit.paths, PATIENT)), \
        f"patient pages no test here opens: {missed}"


def unvisited(app, paths: set[str], access: str) -> set[str]:
    """The GET pages of one access class (from the route map) that no check opened."""
    adapter = app.url_map.bind("127.0.0.1")
    seen = set()
    for path in paths:
        try:
            seen.add(adapter.match(path)[0])
        except HTTPException:
            pass
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and ACCESS.get(rule.endpoint) == access}
    return pages - seen


@pytest.fixture
def desktop_js(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


CLINIC_PAGES = ["/clinic/", "/clinic/patients/new", "/clinic/overview", "/clinic/audit",
                "/clinic/admin/clinicians", "/clinic/admin/settings", "/clinic/account/password",
                "/clinic/admin/api-keys", "/clinic/admin/deliveries", "/clinic/admin/import",
                "/clinic/admin/webhook-events"]
IMPORT_CSV = ("Navn;Forløb;Første konsultation;Reference\r\n"
              "Ny Patient;lumbar-radiculopathy;01.06.2030;A11Y-1\r\n"
              "Fejl Patient;knæ;31.02.2030;A11Y-2\r\n").encode()
COURSE_PAGES = ["", "/answers", "/summary", "/edit", "/erase", "/plan", "/psfs", "/record"]


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_clinician_page_is_accessible(site, desktop_js, axe_source, language):
    audit, page = Audit(desktop_js, axe_source, language, "clinic"), desktop_js
    page.goto(site["base"] + "/clinic/login")
    use_language(page, language)
    page.locator("button.button").click()  # empty form: error summary
    audit.check("sign-in-error")
    page.fill("#email", "demo@clinic.example")
    page.fill("#password", PASSWORD)
    page.locator("button.button").click()
    use_language(page, language)  # the account's language wins over the browser's
    for path in CLINIC_PAGES:
        page.goto(site["base"] + path)
        audit.check(path.strip("/").replace("/", "-") or "clinic")
    page.goto(site["base"] + "/clinic/admin/import")  # the import's preview, with an error row
    page.set_input_files("#file", files=[{"name": "export.csv", "mimeType": "text/csv",
                                          "buffer": IMPORT_CSV}])
    page.locator("form button.button").click()
    audit.check("import-preview")
    erik = next(site["db"].query("SELECT courses.id FROM courses JOIN patients ON"
                                 " patients.id = courses.patient_id WHERE name = 'Erik Madsen'"))
    for suffix in COURSE_PAGES:
        page.goto(f"{site['base']}/clinic/courses/{erik['id']}{suffix}")
        audit.check("course" + suffix.replace("/", "-"))
    baseline = next(site["db"].query("SELECT id FROM timepoints WHERE course_id = ?"
                                     " AND key = 'baseline'", [erik["id"]]))["id"]
    page.goto(f"{site['base']}/clinic/courses/{erik['id']}/consultations/{baseline}/tests")
    page.fill("#sit_to_stand_30s", "many")
    page.locator("form button.button").click()
    audit.check("functional-tests-error")
    page.goto(f"{site['base']}/clinic/patients/new")
    page.locator("form button.button").click()
    audit.check("enrol-error")
    page.goto(f"{site['base']}/clinic/courses/{erik['id']}")
    page.locator("form[action$='/link'] button").click()
    audit.check("new-link")
    assert not audit.problems, "\n".join(audit.problems)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_two_factor_pages_are_accessible(site, desktop_js, axe_source, language):
    """Set-up (with its error), the recovery codes, the settings page, and the second
    sign-in step (with its error), for an account of its own."""
    import pyotp

    from patientapp.accounts import save_clinician

    audit, page, base = Audit(desktop_js, axe_source, language, "two-factor"), desktop_js, \
        site["base"]
    email = f"two-factor-{language}@clinic.example"
    clinic = next(site["db"].query("SELECT id FROM clinics"))["id"]
    save_clinician(site["db"], clinic, email, "Tove Totrin", PASSWORD, "admin", language)

    def sign_in() -> None:
        page.goto(base + "/clinic/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.locator("button.button").click()

    sign_in()
    page.goto(base + "/clinic/account/two-factor")
    audit.check("setup")
    page.locator("form[action$='/two-factor'] button.button").click()  # empty: errors
    audit.check("setup-error")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.fill("#password", PASSWORD)
    page.locator("form[action$='/two-factor'] button.button").click()
    audit.check("recovery-codes")
    recovery = page.locator(".recovery-codes code").first.inner_text()
    page.goto(base + "/clinic/account/two-factor")
    audit.check("settings")
    page.locator("form[action$='/clinic/logout'] button").click()
    sign_in()
    audit.check("second-step")
    page.locator("button.button").click()
    audit.check("second-step-error")
    page.fill("#code", recovery)
    page.locator("button.button").click()
    assert page.url == base + "/clinic/", page.url
    assert not audit.problems, "\n".join(audit.problems)
