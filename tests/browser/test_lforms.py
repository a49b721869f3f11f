"""An independent SDC renderer computes the same score as the app.

The ODI and NDI as ``flask export-fhir`` writes them are rendered in LHC-Forms (npm
``lforms``, the National Library of Medicine's FHIR form renderer, served from
tests/browser/node_modules on loopback, nothing from the internet), filled in by clicking
the answers a patient gave, and the total its FHIRPath ``calculatedExpression`` computes
(from the answers' ``ordinalValue``) must equal the score the app stored for that patient.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # nosec B404 - npm ci with fixed arguments, as for axe-core
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import submit

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.content import SECTION_IDS
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate
from patientapp.timeutil import local_date, utcnow

from .conftest import AXE_DIR, _unavailable, screenshot

pytestmark = pytest.mark.browser

LFORMS = AXE_DIR / "node_modules" / "lforms" / "dist" / "lforms"
# The files LHC-Forms' README says to load, in its order, and its R4 FHIR support.
SCRIPTS = ("webcomponent/assets/lib/zone.min.js", "webcomponent/runtime.js",
           "webcomponent/polyfills.js", "webcomponent/main.js", "fhir/R4/lformsFHIR.min.js")
PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="/webcomponent/styles.css"></head><body><div id="form"></div>
{scripts}</body></html>"""
ANSWERS = {  # as the patient pages store them; "na" is the explicit "not applicable"
    "odi": [{**dict.fromkeys(SECTION_IDS["odi"], 2), "pain_intensity": 3, "lifting": 4,
             "sex_life": "na"},
            {section: n % 6 for n, section in enumerate(SECTION_IDS["odi"])}],
    "ndi": [{**dict.fromkeys(SECTION_IDS["ndi"], 1), "driving": "na", "headaches": 5}],
    "psfs": [{"activities": ["Tage strømper på", "Se en hel film", "Bære en indkøbspose"],
              "ratings": {"1": 3, "2": 7, "3": 4}}],
}
PATHWAYS = {"odi": "lumbar-radiculopathy", "ndi": "cervical-radiculopathy",
            "psfs": "lumbar-radiculopathy"}
SCORE_CODES = {"odi": "odi-score", "ndi": "ndi-score", "psfs": "psfs-mean"}


@pytest.fixture(scope="session")
def lforms() -> Path:
    if not (LFORMS / SCRIPTS[-1]).exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
                       check=False, capture_output=True, timeout=600)  # nosec B603 B607
    if not (LFORMS / SCRIPTS[-1]).exists():
        _unavailable("lforms is not installed (npm ci --prefix tests/browser)")
    return LFORMS


class _Files(SimpleHTTPRequestHandler):
    """LHC-Forms' own files, and the page that loads them."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path != "/":
            return super().do_GET()
        scripts = "".join(f'<script src="/{name}"></script>' for name in SCRIPTS)
        body = PAGE.format(scripts=scripts).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def renderer(lforms):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(lforms)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(5)


def exported(tmp_path, instrument: str, answers: dict) -> dict:
    """``flask export-fhir`` after one patient answered ``answers``."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "lforms.sqlite3"),
                      "SECRET_KEY": "browser-test-secret-key-0123456789abcdef"})
    db = connect(app.config["DATABASE"])
    migrate(db)
    content = app.extensions["content"]
    clinic = save_clinic(db, "Fysio LHC", alert_emails="vagt@fysio-lhc.example")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "P"),
                              content.pathway(PATHWAYS[instrument]), local_date(utcnow()))
    courses.record_consent(db, course_id, "given")
    submit(db, content, course_id, **{instrument: answers})
    db.close()
    result = app.test_cli_runner().invoke(args=["export-fhir"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _of(bundle: dict, resource_type: str, instrument: str) -> dict:
    return next(e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == resource_type and
                f"/{instrument}" in json.dumps(e["resource"].get("questionnaire", "") or
                                               e["resource"].get("url", "") or
                                               e["resource"].get("code", "")))


def walk(items: list[dict]):
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def codes_of(response: dict) -> dict[str, str]:
    return {i["linkId"]: i["answer"][0]["valueCoding"]["code"] for i in walk(response["item"])
            if "valueCoding" in i.get("answer", [{}])[0]}


def fill(page, items: list[dict], defined: dict[str, dict], depth: int = 1) -> None:
    """Give LHC-Forms the patient's answers as a person would: type the activities, click
    the options (LHC-Forms numbers each item in a group "/1/1", at the top "/1")."""
    for item in items:
        if "item" in item:
            fill(page, item["item"], defined, depth + 1)
            continue
        suffix = "\\/1" * depth  # an escaped "/" in a CSS id
        where = page.locator(f"#item-{item['linkId']}{suffix}")
        answer = item["answer"][0]
        if "valueString" in answer:
            where.locator("input").fill(answer["valueString"])
        elif "valueCoding" in answer:
            code = answer["valueCoding"]["code"]
            display = next(o["valueCoding"]["display"] for o in
                           defined[item["linkId"]]["answerOption"]
                           if o["valueCoding"]["code"] == code)
            # LHC-Forms shows the option's ordinalValue after its text ("… - 3").
            text = re.escape(display).replace("/", "\\/")  # Playwright sends it as /.../
            where.get_by_role("radio", name=re.compile(rf"^{text}( - \d+)?$")).click()


def app_score(bundle: dict, instrument: str) -> float:
    return next(e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Observation" and
                any(c["code"] == SCORE_CODES[instrument] for c in e["resource"]["code"]["coding"]))


@pytest.mark.parametrize("instrument, answers", [
    (instrument, answers) for instrument, sets in ANSWERS.items() for answers in sets])
def test_lhc_forms_computes_the_apps_score(browser, renderer, tmp_path, instrument, answers):
    bundle = exported(tmp_path, instrument, answers)
    questionnaire = next(e["resource"] for e in bundle["entry"]
                         if e["resource"]["resourceType"] == "Questionnaire"
                         and e["resource"]["name"] == instrument.upper())
    response = _of(bundle, "QuestionnaireResponse", instrument)
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    page = browser.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(renderer)
    page.wait_for_function("() => window.LForms && LForms.Util", timeout=30_000)
    page.evaluate("q => LForms.Util.addFormToPage(q, 'form', {fhirVersion: 'R4'})",
                  questionnaire)
    page.wait_for_selector("lhc-item", timeout=30_000)
    fill(page, response["item"], {i["linkId"]: i for i in walk(questionnaire["item"])})
    total = page.locator(f"#item-{instrument}-score\\/1 input")
    page.wait_for_function("el => el.value !== ''", arg=total.element_handle(), timeout=10_000)
    computed = float(total.input_value())
    # What LHC-Forms recorded is what the patient answered, code for code.
    filled = page.evaluate("() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4',"
                           " document.getElementById('form'))")
    assert codes_of(filled) == codes_of(response)
    screenshot(page, f"lforms-{instrument}-{len(tmp_path.name)}")
    page.close()
    assert not problems, problems
    assert computed == pytest.approx(app_score(bundle, instrument))
    answered = next(i for i in response["item"] if i["linkId"] == f"{instrument}-score")
    assert answered["answer"][0]["valueDecimal"] == pytest.approx(computed)
