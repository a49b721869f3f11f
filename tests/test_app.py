"""Set-up, configuration, content validation, security headers and the command-line tools."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from patientapp import create_app
from patientapp.config import PROJECT_ROOT, ConfigurationError, check_production
from patientapp.content import RISK_ITEMS, ContentError, load_content
from patientapp.db import connect


def test_production_refuses_the_development_secret_key(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "x.db")})
    with pytest.raises(ConfigurationError, match="PATIENTAPP_SECRET_KEY"):
        check_production(app)


def test_production_accepts_a_real_secret_key(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "SECRET_KEY": "k" * 64,
                      "BASE_URL": "https://skema.fysio.example"})
    check_production(app)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "http://localhost",
                                      "https://LOCALHOST:8443/", "http://[::1]:5000",
                                      "http://skema.localhost", "http://0.0.0.0"])
def test_production_refuses_a_base_url_on_this_machine(tmp_path, base_url):
    """Every patient link would point at the server itself (the default is 127.0.0.1)."""
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "SECRET_KEY": "k" * 64,
                      "BASE_URL": base_url})
    with pytest.raises(ConfigurationError, match="PATIENTAPP_BASE_URL"):
        check_production(app)


def test_production_refuses_to_print_messages_instead_of_sending_them(tmp_path):
    """No SMTP and no SMS with a production key: send-due refuses, nothing is printed; with
    one channel, the other's messages fail (and are retried) instead of being printed."""
    from patientapp.notifications.sending import outlets_from_config

    app = create_app({"DATABASE": str(tmp_path / "x.db"), "SECRET_KEY": "k" * 64,
                      "BASE_URL": "https://skema.fysio.example"})
    result = app.test_cli_runner().invoke(args=["send-due"])
    assert result.exit_code == 2 and "Neither PATIENTAPP_SMTP_HOST" in result.output
    app.config.update(SMS_URL="https://sms.example/send")
    email = outlets_from_config(app.config).email
    with pytest.raises(Exception, match="no e-mail server is configured"):
        email.send(None)


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("PATIENTAPP_DATABASE", str(tmp_path / "env.db"))
    monkeypatch.setenv("PATIENTAPP_BASE_URL", "https://skema.example.dk")
    app = create_app()
    assert app.config["DATABASE"] == str(tmp_path / "env.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_wsgi_entry_point_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    import importlib
    import sys

    monkeypatch.setenv("PATIENTAPP_DATABASE", str(tmp_path / "w.db"))
    monkeypatch.delenv("PATIENTAPP_SECRET_KEY", raising=False)
    sys.path.insert(0, str(PROJECT_ROOT))
    sys.modules.pop("wsgi", None)
    with pytest.raises(ConfigurationError):
        importlib.import_module("wsgi")


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, problem", [
    ("questionnaires/odi.en.yaml", "id: odi", "id: odx", "must match the file name"),
    ("questionnaires/odi.da.yaml", "kind: sections", "kind: nprs", "kind"),
    ("questionnaires/ndi.en.yaml", "copyright:", "copyleft:", "'copyright' is missing"),
    ("questionnaires/odi.en.yaml", "  - id: walking", "  - id: strolling", "sections must be"),
    ("questionnaires/nprs.da.yaml", "  leg:", "  knee:", "'leg' is missing"),
    ("questionnaires/safety.en.yaml", "level: emergency", "level: panic", "needs a level"),
    ("questionnaires/psfs.en.yaml", "rating_question:", "rating:", "'rating_question'"),
    ("questionnaires/odi.en.yaml", "title:", "title: [unclosed", "cannot be read as YAML"),
    ("questionnaires/risk.da.yaml", "    error:", "    fejl:", "'error' is missing"),
    ("pathways/lumbar-radiculopathy.yaml", "questionnaires: [nprs]", "questionnaires: [sf36]",
     "unknown questionnaires"),
    ("pathways/cervical-radiculopathy.yaml", "anchor: first_visit", "anchor: moon", "anchor"),
    ("pathways/primary-low-back-pain.yaml", "final: true", "final: false", "final"),
])
def test_a_malformed_content_file_stops_start_up_naming_file_and_problem(content_copy, file,
                                                                         old, new, problem):
    _edit(content_copy / file, old, new)
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    assert Path(file).name in str(error.value) or "questionnaires" in str(error.value)
    assert problem in str(error.value)


def test_a_missing_language_file_is_named(content_copy):
    (content_copy / "questionnaires/ndi.da.yaml").unlink()
    with pytest.raises(ContentError, match="'ndi' needs a file"):
        load_content(content_copy)


def test_danish_and_english_must_ask_the_same_questions(content_copy):
    _edit(content_copy / "questionnaires/safety.da.yaml", "id: cancer_history",
          "id: cancer_before")
    with pytest.raises(ContentError, match="different questions"):
        load_content(content_copy)


def test_every_instrument_file_names_version_source_language_and_copyright(content):
    for (instrument, locale), q in content.questionnaires.items():
        assert q.locale == locale
        for field in ("version", "source", "copyright", "rendering_note"):
            assert str(q.data[field]).strip(), (instrument, locale, field)


@pytest.mark.parametrize("header, value", [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
])
def test_security_headers_on_every_page(client, header, value):
    assert client.get("/").headers[header] == value


def test_content_security_policy_forbids_inline_script(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.raw.get("/", base_url="https://localhost")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_samesite(app, enrol):
    _, token = enrol()
    client = app.test_client()
    client.get(f"/q/{token}")
    client.post(f"/q/{token}/language", data={"language": "en"})
    cookie = client.get_cookie("patientapp_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_csrf_protects_every_form(make_app, enrol, app):
    """With CSRF switched on, a POST without the token is refused and nothing changes."""
    protected = make_app(DATABASE=app.config["DATABASE"], WTF_CSRF_ENABLED=True)
    _, token = enrol(consent="given")
    client = protected.test_client()
    response = client.post(f"/q/{token}/step/odi-1", data={"answer": "3"})
    assert response.status_code == 400
    assert "udløbet" in response.get_data(as_text=True)  # "This page had expired", in Danish
    page = client.get(f"/q/{token}/step/odi-1").get_data(as_text=True)
    csrf_token = page.split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post(f"/q/{token}/step/odi-1", data={"answer": "3", "csrf_token": csrf_token})
    assert ok.status_code == 302


def test_an_oversized_body_gets_413_not_a_crash(client, enrol):
    _, token = enrol(consent="given")
    response = client.post(f"/q/{token}/step/odi-1", data={"answer": "1" * 100_000})
    assert response.status_code == 413
    assert response.page.h1.text


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.page.h1.text


def test_wrong_method_is_a_friendly_405(client, enrol):
    _, token = enrol()
    response = client.get(f"/q/{token}/submit")
    assert response.status_code == 405 and response.page.h1.text


def test_health_check(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_init_db_is_safe_to_repeat(runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "0 migration(s)" in second.output


def test_demo_prints_logins_and_working_links(runner, app):
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data["clinician"]) == {"email", "password", "login_url"}
    assert {p["pathway"] for p in data["patients"]} == {
        "primary-low-back-pain", "lumbar-radiculopathy", "cervical-radiculopathy"}
    assert all(set(p) == {"name", "pathway", "timepoint", "link"} for p in data["patients"])
    client = app.test_client()
    for patient in data["patients"]:
        path = patient["link"].removeprefix(app.config["BASE_URL"])
        assert client.get(path).status_code == 200
    signed_in = client.post("/clinic/login", data={"email": data["clinician"]["email"],
                                                   "password": data["clinician"]["password"]})
    assert signed_in.status_code == 302


def test_demo_text_output_lists_every_patient(runner):
    from patientapp.demo import DEMO_PATIENTS

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert result.output.count("/q/") == len(DEMO_PATIENTS) and "password" in result.output


def test_running_the_demo_twice_adds_no_patient_and_gives_fresh_links(runner, app):
    """A second run finds each demo course by its external id: same patients, new links
    (the old ones revoked), and among them one who has not consented and one in English."""
    first = json.loads(runner.invoke(args=["demo", "--json"]).output)
    second = json.loads(runner.invoke(args=["demo", "--json"]).output)
    db = connect(app.config["DATABASE"])
    names = [row["name"] for row in db.query("SELECT name FROM patients ORDER BY id")]
    assert len(names) == len(set(names)) == len(second["patients"])
    assert {p["link"] for p in first["patients"]}.isdisjoint(p["link"] for p in second["patients"])
    client = app.test_client()
    pages = {p["name"]: client.get(p["link"].removeprefix(app.config["BASE_URL"]))
             for p in second["patients"]}
    assert all(page.status_code == 200 for page in pages.values())
    consents = {row["name"]: row["consent"] for row in db.query(
        "SELECT name, consent FROM courses JOIN patients ON patients.id = courses.patient_id")}
    assert "unknown" in consents.values() and "given" in consents.values()
    english = [row["id"] for row in db.query("SELECT id FROM patients WHERE language = 'en'")]
    assert english
    locales = {row["locale"] for row in db.query(
        "SELECT DISTINCT responses.locale FROM responses JOIN timepoints ON timepoints.id ="
        " responses.timepoint_id JOIN courses ON courses.id = timepoints.course_id"
        " WHERE courses.patient_id = ?", [english[0]])}
    assert locales == {"en"}


def test_export_csv_has_a_header_and_one_row_per_score_without_names(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["export-csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["course_id", "pathway", "timepoint", "instrument", "item", "value",
                             "valid", "submitted_at", "completed_in", "completed_by"]
    assert {r["completed_in"] for r in rows} == {"link"}  # the demo patients answered at home
    assert "Jensen" not in result.output and "Nielsen" not in result.output
    odi = [r for r in rows if r["instrument"] == "odi"]
    assert odi and all(r["valid"] in ("true", "false") for r in rows)
    assert any(r["instrument"] == "nprs" and r["item"] == "leg" for r in rows)


def test_export_csv_carries_the_gpe_and_every_risk_answer(runner, db):
    """Every submitted, consenting timepoint that asked the GPE has its rating (1-7) as a
    score row; every one that asked the risk questionnaire a row per question, the answer
    as stored (pain sites space-separated)."""
    runner.invoke(args=["demo"])
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["export-csv"]).output)))
    exported: dict[tuple, dict] = {}
    for row in rows:
        exported.setdefault((int(row["course_id"]), row["timepoint"], row["instrument"]),
                            {})[row["item"]] = row["value"]
    asked = list(db.query(
        "SELECT responses.course_id, timepoints.key, responses.instrument, responses.answers"
        " FROM responses JOIN timepoints ON timepoints.id = responses.timepoint_id"
        " JOIN courses ON courses.id = responses.course_id WHERE courses.consent = 'given'"
        " AND responses.status = 'submitted' AND responses.instrument IN ('risk', 'gpe')"))
    assert {r["instrument"] for r in asked} == {"risk", "gpe"}  # the demo has both
    for response in asked:
        found = exported[(response["course_id"], response["key"], response["instrument"])]
        stored = json.loads(response["answers"])
        if response["instrument"] == "gpe":
            assert found == {"": repr(float(stored["rating"]))}
            continue
        assert list(found) == sorted(RISK_ITEMS) and set(stored) == set(RISK_ITEMS)
        for item, value in stored.items():
            text = " ".join(value) if isinstance(value, list) else value
            assert found[item] == (repr(float(text)) if isinstance(text, int) else text)


def test_export_csv_rejects_a_bad_date(runner):
    result = runner.invoke(args=["export-csv", "--since", "yesterday"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_demo_scores_match_the_scoring_function(runner, app):
    runner.invoke(args=["demo"])
    db = connect(app.config["DATABASE"])
    from patientapp.demo import BACK_BASELINE
    from patientapp.scoring import score
    expected = score("odi", [None if v == "na" else v for v in BACK_BASELINE["odi"].values()])
    values = {r["value"] for r in db.query(
        "SELECT value FROM scores JOIN timepoints ON timepoints.id = scores.timepoint_id"
        " WHERE instrument = 'odi' AND timepoints.key = 'baseline'")}
    assert values == {expected.value}


def test_guessing_links_is_slowed_down_with_a_clear_page(client):
    for n in range(20):
        assert client.get(f"/q/guess-{n}").status_code == 404
    response = client.get("/q/guess-21")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.page.h1.text.strip()  # "try again later", in Danish


def test_a_real_link_is_also_refused_while_an_address_is_guessing(client, enrol):
    _, token = enrol()
    for n in range(21):
        client.get(f"/q/guess-{n}")
    assert client.get(f"/q/{token}").status_code == 429


def test_patient_requests_per_address_are_limited(app, enrol):
    app.config["PATIENT_RATE_LIMIT"] = 5
    _, token = enrol()
    client = app.test_client()
    codes = [client.get(f"/q/{token}").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_repeated_failed_sign_ins_from_one_address_are_limited(client):
    for n in range(20):
        client.post("/clinic/login", data={"email": f"x{n}@y.dk", "password": "nope"})
    response = client.post("/clinic/login", data={"email": "x@y.dk", "password": "nope"})
    assert response.status_code == 429 and "Retry-After" in response.headers


@pytest.mark.parametrize("hops, claimed, secure", [
    (0, "https", False),  # no proxy: the header is the client's word and ignored
    (1, "https", True),   # behind one proxy: it terminated TLS and says so
    (1, "http", False),
])
def test_https_follows_the_proxy_setting_everywhere(make_app, hops, claimed, secure):
    """HSTS, request.is_secure and external links all decide "is this https" the same way."""
    from flask import request, url_for

    app = make_app(PROXY_COUNT=hops)
    app.add_url_rule("/probe", "probe", lambda: {"secure": request.is_secure,
                                                 "url": url_for("web.show_index",
                                                                _external=True)})
    response = app.test_client().get("/probe", headers={"X-Forwarded-Proto": claimed,
                                                       "X-Forwarded-For": "203.0.113.9"})
    assert ("Strict-Transport-Security" in response.headers) is secure
    assert response.json["secure"] is secure
    assert response.json["url"].startswith("https://" if secure else "http://")
