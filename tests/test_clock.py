"""One clock: the clinic side and the patient side agree on today, due and expired.

Both ask ``timeutil`` for the time, in the clinic's zone (PATIENTAPP_TIMEZONE), whatever
zone the server process runs in. The day boundary is run with the process in UTC and in
Pacific/Auckland, just after and just before midnight in Copenhagen.
"""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest

from patientapp import create_app, timeutil
from patientapp.accounts import save_clinician
from patientapp.config import ConfigurationError
from patientapp.courses import queries as courses

DAY = date(2027, 3, 10)  # far from the real date: a stray date.today() cannot pass
COPENHAGEN = timeutil.zone("Europe/Copenhagen")
PASSWORD = "correct horse battery"

# (server zone, Copenhagen wall clock on DAY, the server's own idea of the date then)
BOUNDARIES = [
    ("UTC", clock_time(0, 30), DAY - timedelta(days=1)),
    ("UTC", clock_time(23, 30), DAY),
    ("Pacific/Auckland", clock_time(0, 30), DAY),
    ("Pacific/Auckland", clock_time(23, 30), DAY + timedelta(days=1)),
]


@pytest.fixture
def server_zone():
    """Run the process in another time zone (TZ and tzset), restored afterwards."""
    before = os.environ.get("TZ")

    def _set(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield _set
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def at(monkeypatch):
    """Hold the app's one clock at a moment."""
    def _at(moment: datetime) -> None:
        monkeypatch.setattr(timeutil, "clock", lambda: moment)
    return _at


def _set_timepoint(db, course_id: int, key: str, visit: date, send: date, last: date):
    db.execute("UPDATE timepoints SET visit_date = ?, send_at = ?, expires_at = ?"
               " WHERE course_id = ? AND key = ?",
               [visit.isoformat(), send.isoformat(), timeutil.iso(timeutil.end_of_day(last)),
                course_id, key])
    return next(tp for tp in courses.list_timepoints(db, course_id) if tp["key"] == key)


@pytest.fixture
def course(db, content, clinic_id, at):
    """Baseline expired at the end of yesterday; the week-2 questionnaire is due today."""
    at(datetime.combine(DAY - timedelta(days=3), clock_time(12), COPENHAGEN))
    save_clinician(db, clinic_id, "clock@clinic.example", "Clock", PASSWORD)
    course_id = courses.enrol(db, courses.NewPatient(clinic_id, "Klokke Patient"),
                              content.pathway("primary-low-back-pain"), DAY - timedelta(days=1))
    keys = [tp["key"] for tp in courses.list_timepoints(db, course_id)]
    yesterday = DAY - timedelta(days=1)
    baseline = _set_timepoint(db, course_id, keys[0], yesterday, yesterday - timedelta(days=2),
                              yesterday)
    current = _set_timepoint(db, course_id, keys[1], DAY, DAY, DAY + timedelta(days=7))
    return {"id": course_id, "expired": courses.create_invitation(db, baseline),
            "open": courses.create_invitation(db, current), "current_key": keys[1]}


@pytest.mark.parametrize(("zone", "wall_clock", "server_date"), BOUNDARIES)
def test_both_sides_agree_on_today_due_and_expired(app, client, course, at, server_zone,
                                                   zone, wall_clock, server_date):
    moment = datetime.combine(DAY, wall_clock, COPENHAGEN)
    server_zone(zone)
    at(moment)
    # The process really is elsewhere: its own date is not always the clinic's.
    assert datetime.fromtimestamp(moment.timestamp()).date() == server_date
    with app.app_context():
        assert timeutil.today() == DAY
        assert timeutil.clinic_now().date() == DAY

    assert client.get(f"/q/{course['expired']}").status_code == 410
    assert client.get(f"/q/{course['open']}").status_code == 200

    client.post("/clinic/login", data={"email": "clock@clinic.example", "password": PASSWORD})
    # The patient list: baseline not answered in time, week 2 waiting for an answer.
    name = client.get("/clinic/").page.find(string=lambda s: "Klokke" in s)
    assert _tags(name.find_parent("tr")) == ["Ikke besvaret", "Afventer svar"]
    # The course page: the same two, row by row.
    rows = client.get(f"/clinic/courses/{course['id']}").page.select("tbody tr")
    assert [_tags(tr) for tr in rows[:3]] == [["ikke besvaret"], ["afventer svar"], []]

    # The link the clinic hands out today is one the patient can open today.
    link = client.post(f"/clinic/courses/{course['id']}/link").page.select_one("#patient-link")
    assert client.get(link["value"].removeprefix("http://localhost")).status_code == 200


def _tags(row) -> list[str]:
    return [tag.text.strip() for tag in row.select(".tag")]


def test_the_clinic_zone_comes_from_the_configuration(tmp_path, at):
    app = create_app({"DATABASE": str(tmp_path / "x.sqlite3"), "TIMEZONE": "Pacific/Auckland"})
    at(datetime.combine(DAY, clock_time(23, 30), COPENHAGEN))
    with app.app_context():
        assert timeutil.today() == DAY + timedelta(days=1)
        assert timeutil.start_of_day(DAY).utcoffset() == timedelta(0)
        assert timeutil.start_of_day(DAY).astimezone(timeutil.clinic_tz()).hour == 0
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Pacific/Auckland"


def test_the_default_zone_is_copenhagen(app):
    assert app.config["TIMEZONE"] == "Europe/Copenhagen"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Copenhagen"


@pytest.mark.parametrize("setting", ["Mars/Olympus_Mons", "", "../etc/passwd", "CET+1"])
def test_an_unknown_zone_stops_the_start_up_plainly(tmp_path, monkeypatch, setting):
    monkeypatch.setenv("PATIENTAPP_TIMEZONE", setting)
    with pytest.raises(ConfigurationError, match="PATIENTAPP_TIMEZONE"):
        create_app({"DATABASE": str(tmp_path / "x.sqlite3")})


def test_nothing_reads_the_servers_own_clock_but_timeutil():
    """date.today() and datetime.now() follow the server's zone: only timeutil may ask."""
    package = Path(__file__).resolve().parent.parent / "patientapp"
    pattern = re.compile(r"date\.today\(|datetime\.(now|utcnow|today)\(|time\.(time|localtime)\(")
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "timeutil.py" and pattern.search(path.read_text("utf-8"))]
    assert offenders == []
