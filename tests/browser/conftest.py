"""Browser tests: the real app on a loopback port, driven by Playwright in Debian's Chromium.

Locally, a missing browser skips these tests; in CI (CI=true) it fails them, so they can
never be skipped silently there.
"""

from __future__ import annotations

import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from patientapp import create_app
from patientapp.accounts import save_clinic
from patientapp.courses import queries as courses
from patientapp.db import connect, migrate

ARTIFACTS = Path(os.environ.get("PATIENTAPP_ARTIFACTS", "test-artifacts")).resolve()
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser",
                      "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE": str(tmp_path / "browser.sqlite3"),
        "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
    })
    db = connect(app.config["DATABASE"])
    migrate(db)
    db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(5)


@pytest.fixture
def phone(browser):
    """A phone-sized page with JavaScript switched off: the baseline every patient gets."""
    context = browser.new_context(**PHONE, java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()


def choose(page, value: str, name: str = "answer", tap: bool = False) -> None:
    """Pick a radio option by its label: a finger's tap on a touch screen, else a click."""
    radio_id = page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")
    label = page.locator(f"label[for='{radio_id}']")
    label.tap() if tap else label.click()


def answer_risk_screens(page, go_on, tap: bool = False) -> int:
    """Answer every question on each screen of the risk questionnaire from what the screen
    offers (of each group of tick boxes the first, a number field 0, of each group of radio
    buttons the first answer), going on with ``go_on(page)``. Returns how many screens there
    were."""
    count = 0
    while "/step/risk-" in page.url:
        form = page.locator("main form[method=post]")
        groups: dict[str, str] = {}
        for box in form.locator("input[type=checkbox], input[type=radio]").all():
            groups.setdefault(box.get_attribute("name"), box.get_attribute("id"))
        for first in groups.values():
            label = page.locator(f"label[for='{first}']")
            label.tap() if tap else label.click()
        for number in form.locator("[inputmode=numeric]").all():
            number.fill("0")
        go_on(page)
        count += 1
    return count


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- accessibility: axe-core from the npm registry ---------------------------------

AXE_DIR = Path(__file__).parent
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, installed from tests/browser/package-lock.json when missing."""
    if not AXE_FILE.exists() and shutil.which("npm"):
        import subprocess

        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
                       check=False, capture_output=True, timeout=300)
    if not AXE_FILE.exists():
        _unavailable("axe-core is not installed (npm ci --prefix tests/browser)")
    return AXE_FILE.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """Run axe-core's default rules (WCAG 2.x A/AA and best practice) on the page."""
    page.add_script_tag(content=source)
    results = page.evaluate("async () => (await axe.run(document)).violations.map("
                            "v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' '))"
                            ".slice(0, 3).join('; ')})`)")
    return results


SMALL_TARGETS_JS = """() => {
  const selectors = 'button, .button, select, textarea, .choice label, nav a, .site-header a,'
    + ' .language-switch button,'
    + ' input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  return [...document.querySelectorAll(selectors)].filter(el => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || r.width === 0) return false;
    return r.width < 44 || r.height < 44;
  }).map(el => {
    const r = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()}#${el.id}.${el.className}: `
      + `${Math.round(r.width)}x${Math.round(r.height)}`;
  });
}"""


def small_touch_targets(page) -> list[str]:
    return page.evaluate(SMALL_TARGETS_JS)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = reflows)."""
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


WIDE_ELEMENTS_JS = """() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const wide = [...document.body.querySelectorAll('*')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > limit && !el.closest('.table-scroll');
  });
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')
      + ' "' + (el.textContent || '').trim().slice(0, 30) + '"');
}"""


def wide_elements(page) -> list[str]:
    """The innermost elements sticking out to the right, to say what does not reflow."""
    return page.evaluate(WIDE_ELEMENTS_JS)


ERROR_SUMMARY_JS = """() => {
  const summary = document.querySelector('.error-summary');
  if (!summary) return [];
  const problems = [];
  if (document.activeElement !== summary) {
    problems.push('error summary not focused on load (focus on '
      + document.activeElement.tagName.toLowerCase() + ')');
  }
  for (const link of summary.querySelectorAll('a[href^="#"]')) {
    const field = document.getElementById(link.getAttribute('href').slice(1));
    if (!field) { problems.push('error link to missing ' + link.getAttribute('href')); continue; }
    const owner = field.closest('fieldset') && field.type === 'radio'
      ? field.closest('fieldset') : field;
    const ids = (owner.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const described = ids.map(id => document.getElementById(id)).filter(Boolean)
      .map(el => el.textContent.trim()).join(' ');
    if (!described.includes(link.textContent.trim())) {
      problems.push('field ' + link.getAttribute('href') + ' is not described by its error');
    }
  }
  return problems;
}"""


def error_summary_problems(page) -> list[str]:
    """An error summary must have focus when the page loads (so a screen reader announces
    it), and every field it links to must point to its own message with aria-describedby."""
    return page.evaluate(ERROR_SUMMARY_JS)


def enrol_link(app, pathway="primary-low-back-pain", language="da") -> tuple[int, str]:
    """A Danish (or ``language``) patient enrolled today: (course id, their link)."""
    db = connect(app.config["DATABASE"])
    clinic = save_clinic(db, "Fysio Browser", alert_emails="vagt@fysio.example")
    course_id = courses.enrol(db, courses.NewPatient(clinic, "Browser Patient",
                                                     language=language),
                              app.extensions["content"].pathway(pathway), date.today())
    baseline = courses.list_timepoints(db, course_id)[0]
    token = courses.create_invitation(db, baseline)
    db.close()
    return course_id, f"{app.config['BASE_URL']}/q/{token}"
