"""What the patient pages' speed-ups must not change: the markup, CSRF, and what is kept.

Question markup rendered once and reused (web/fragments.py) must be byte-for-byte what a
fresh rendering gives, on every cached screen in both languages, and hold nothing about a
person; the CSRF token signed once per visit (web/security.py) must still be checked.
"""

from __future__ import annotations

import re

import pytest
from helpers import PASSWORD

from patientapp.accounts import save_clinician
from patientapp.questionnaires import entry, flow
from patientapp.questionnaires.kinds import KINDS, Screen, build_steps

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cached_kinds() -> list[str]:
    def screen(name):
        return Screen(flow.Step("x", "x", name, "key", 1, 1), None, {"key": 1}, ["Gå"], [])
    return [name for name, kind in KINDS.items() if kind.fragment(screen(name)) is not None]


def test_only_kinds_without_free_text_are_cached(content):
    # A kind whose screen shows what the patient typed (activities) must never be kept.
    assert set(cached_kinds()) == {"section", "nprs"}


def single_answer_steps(content, pathway_id):
    pathway = content.pathway(pathway_id)
    spec = pathway.timepoints[0]
    return [s for s in build_steps(list(spec.questionnaires), list(pathway.nprs_sites), True)
            if s.kind in cached_kinds()]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("pathway", ["primary-low-back-pain", "cervical-radiculopathy"])
def test_a_kept_screen_is_byte_for_byte_a_fresh_one(client, app, enrol, content, monkeypatch,
                                                    pathway, language):
    _, token = enrol(pathway=pathway, language=language, consent="given")
    steps = single_answer_steps(content, pathway)
    assert steps
    for step in steps:
        url = f"/q/{token}/step/{step.id}"
        first, kept = client.get(url).text, client.get(url).text  # rendered, then reused
        with monkeypatch.context() as patch:
            patch.setattr(entry, "fragment_key", lambda *args: None)
            fresh = client.get(url).text
        assert first == kept == fresh, step.id
        # Answered: the chosen option is checked, from a key of its own.
        client.post(url, data={"answer": "1", "action": "next"})
        answered = client.get(url)
        with monkeypatch.context() as patch:
            patch.setattr(entry, "fragment_key", lambda *args: None)
            assert client.get(url).text == answered.text, step.id
        assert answered.page.select_one("input[type=radio][checked]")["value"] == "1"


def test_what_is_kept_holds_no_token_name_or_csrf(client, app, enrol, content):
    _, token = enrol(consent="given")
    for step in single_answer_steps(content, "primary-low-back-pain"):
        client.get(f"/q/{token}/step/{step.id}")
    kept = app.extensions["fragments"]._items
    assert kept
    text = repr(kept)
    assert token not in text and "Test Patient" not in text and "csrf" not in text


def test_a_screen_with_errors_is_rendered_afresh(client, app, enrol):
    _, token = enrol(consent="given")
    client.get(f"/q/{token}/step/odi-1")
    before = len(app.extensions["fragments"])
    page = client.post(f"/q/{token}/step/odi-1", data={"action": "next"}).page
    assert page.select_one(".error-summary a")["href"] == "#answer-0"
    assert page.select_one(".field--error")
    assert len(app.extensions["fragments"]) == before


@pytest.fixture
def protected(make_app, app):
    return make_app(DATABASE=app.config["DATABASE"], WTF_CSRF_ENABLED=True)


def test_a_visit_keeps_one_csrf_token_and_it_still_works(protected, enrol):
    _, token = enrol(consent="given")
    client = protected.test_client()
    tokens = {CSRF.search(client.get(f"/q/{token}/step/odi-{n}").text)[1] for n in (1, 2, 3)}
    assert len(tokens) == 1  # signed once for the visit
    ok = client.post(f"/q/{token}/step/odi-1", data={"answer": "3", "csrf_token": tokens.pop()})
    assert ok.status_code == 302


def test_another_visit_gets_its_own_token_and_cannot_use_this_one(protected, enrol):
    _, token = enrol(consent="given")
    mine, theirs = protected.test_client(), protected.test_client()
    my_token = CSRF.search(mine.get(f"/q/{token}/step/odi-1").text)[1]
    their_token = CSRF.search(theirs.get(f"/q/{token}/step/odi-1").text)[1]
    assert my_token != their_token
    refused = theirs.post(f"/q/{token}/step/odi-1", data={"answer": "3", "csrf_token": my_token})
    assert refused.status_code == 400


def test_reusing_the_token_leaves_cacheable_assets_alone(protected, enrol):
    _, token = enrol(consent="given")
    client = protected.test_client()
    client.get(f"/q/{token}/step/odi-1")  # a session cookie with a CSRF token
    asset = client.get("/static/css/app.css")
    assert asset.status_code == 200 and "Cookie" not in asset.headers.get("Vary", "")


def test_a_session_cleared_mid_request_gets_a_new_token_that_works(protected, db, clinic_id):
    """An idle clinician opens the sign-in page: the session is cleared before the form is
    made, so the form must carry a token for the new session, not the old one."""
    save_clinician(db, clinic_id, "idle@clinic.example", "Idle", PASSWORD)
    client = protected.test_client()
    login = CSRF.search(client.get("/clinic/login").text)[1]
    assert client.post("/clinic/login", data={"email": "idle@clinic.example",
                                              "password": PASSWORD,
                                              "csrf_token": login}).status_code == 302
    old = CSRF.search(client.get("/clinic/").text)[1]  # signed and kept for this session
    with client.session_transaction() as session:
        session["seen"] = "2000-01-01T00:00:00+00:00"  # idle for years
    page = client.get("/clinic/login").text  # cleared by the time-out, then the form
    fresh = CSRF.search(page)[1]
    assert fresh != old
    response = client.post("/clinic/login", data={"email": "idle@clinic.example",
                                                  "password": PASSWORD, "csrf_token": fresh})
    assert response.status_code == 302  # signed in again: the token was this session's


def test_a_worker_loads_the_heavy_libraries_only_when_a_feature_needs_them(tmp_path):
    """zxcvbn (12 MB of word lists), the FHIR R4B models (8 MB) and cryptography (6 MB) are
    needed only to set a password, read an Appointment or check a two-factor code: a worker
    that serves patient pages never loads them (bench/load.py prints its memory)."""
    import subprocess  # nosec B404: our own interpreter, fixed arguments
    import sys

    heavy = ("zxcvbn", "fhir.resources", "cryptography")
    script = (
        "import sys\n"
        "from patientapp import create_app\n"
        f"app = create_app({{'SECRET_KEY': 'k' * 40, 'DATABASE': {str(tmp_path / 'w.db')!r}}})\n"
        "client = app.test_client()\n"
        "assert client.get('/').status_code == 200\n"
        f"print([m for m in {heavy!r}\n"
        "       if any(n == m or n.startswith(m + '.') for n in sys.modules)])\n")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True)  # nosec B603
    assert found.stdout.strip().splitlines()[-1] == "[]", found.stdout + found.stderr
