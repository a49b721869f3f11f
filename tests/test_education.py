"""The reading list: modules per pathway, opened week by week, marked read, seen by the clinic."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from helpers import CheckingClient

from patientapp.accounts import save_clinic, save_clinician
from patientapp.config import PROJECT_ROOT
from patientapp.content.library import EducationModule, render_markdown
from patientapp.courses import queries as courses
from patientapp.db import connect
from patientapp.education import queries, reading

PASSWORD = "correct horse battery"
START = date(2026, 3, 4)


def module(slug: str, unlock_week: int = 0, order: int = 10) -> EducationModule:
    return EducationModule(slug=slug, locale="en", title=slug.title(), summary="", order=order,
                           pathways=("primary-low-back-pain",), unlock_week=unlock_week,
                           reading_minutes=2, html=render_markdown("text"))


# --- pure: course weeks and the list ----------------------------------------------------------

@pytest.mark.parametrize("days, week", [(-10, 0), (0, 0), (6, 0), (7, 1), (13, 1), (14, 2),
                                        (70, 10)])
def test_the_course_week_counts_whole_weeks_from_the_first_visit(days, week):
    assert reading.course_week(START, START + timedelta(days=days)) == week


def test_modules_open_by_course_week_and_know_when():
    modules = [module("a"), module("b", 1), module("c", 2)]
    items = reading.reading_list(modules, START, START + timedelta(days=8), {"a": "2026-03-05"})
    assert [(i.module.slug, i.unlocked, i.read) for i in items] == \
        [("a", True, True), ("b", True, False), ("c", False, False)]
    assert items[2].opens_on == START + timedelta(days=14)


@pytest.mark.parametrize("after, read, expected", [
    (None, set(), "a"), ("a", set(), "b"), ("b", {"a"}, "d"), ("d", set(), "a"),
    ("a", {"b", "d"}, None),
])
def test_the_next_module_is_the_next_open_unread_one(after, read, expected):
    modules = [module("a"), module("b"), module("c", 5), module("d")]
    items = reading.reading_list(modules, START, START, {slug: "x" for slug in read})
    following = reading.next_unread(items, after)
    assert (following.module.slug if following else None) == expected


# --- the patient's pages -------------------------------------------------------------------------

@pytest.fixture
def reader(client, enrol):
    """A back-pain patient in course week 1."""
    course_id, token = enrol(consent="given", language="en",
                             first_visit=date.today() - timedelta(days=8))
    client.course_id, client.token = course_id, token
    return client


def test_the_list_shows_the_pathways_open_modules_and_what_comes_later(reader, content):
    page = reader.get(f"/q/{reader.token}/read").page
    opened = [a["href"].rsplit("/", 1)[1] for a in page.select(".module-card__title a")]
    expected = content.library.modules_for("primary-low-back-pain", "en")
    assert opened == [m.slug for m in expected if m.unlock_week <= 1]
    assert "what-is-back-pain" in opened and "what-is-nerve-root-pain" not in opened
    later = page.select_one("#later-title").find_next("ul").text
    assert "After the course" in later
    assert page.select_one(".course-nav a[aria-current=page]")["href"] == \
        f"/q/{reader.token}/read"


@pytest.mark.parametrize("pathway, mine, not_mine", [
    ("lumbar-radiculopathy", "what-is-nerve-root-pain", "what-is-back-pain"),
    ("cervical-radiculopathy", "what-is-nerve-root-pain", "what-is-back-pain"),
])
def test_each_pathway_reads_its_own_modules(client, enrol, pathway, mine, not_mine):
    _, token = enrol(pathway=pathway, consent="given")
    assert client.get(f"/q/{token}/read/{mine}").status_code == 200
    assert client.get(f"/q/{token}/read/{not_mine}").status_code == 404


def test_a_module_is_rendered_from_its_markdown(reader):
    page = reader.get(f"/q/{reader.token}/read/what-is-back-pain").page
    assert page.h1.text.strip() == "What is primary low back pain?"
    assert page.select("article.prose h2") and page.select("article.prose p")
    assert page.select_one(f"form[action='/q/{reader.token}/read/what-is-back-pain/done']")


def test_a_module_not_open_yet_sends_the_patient_back_with_the_date(reader):
    response = reader.get(f"/q/{reader.token}/read/after-the-course")
    assert response.status_code == 302
    assert "ready for you on" in reader.follow(response).page.select_one(".notice").text
    assert reader.post(f"/q/{reader.token}/read/after-the-course/done").status_code == 302


def test_marking_a_module_read_moves_on_and_keeps_the_first_time(reader, db):
    response = reader.post(f"/q/{reader.token}/read/what-is-back-pain/done")
    assert response.status_code == 302
    assert response.headers["Location"] != f"/q/{reader.token}/read/what-is-back-pain"
    first = queries.list_reads(db, reader.course_id)
    reader.post(f"/q/{reader.token}/read/what-is-back-pain/done")
    assert queries.list_reads(db, reader.course_id) == first
    page = reader.get(f"/q/{reader.token}/read/what-is-back-pain").page
    assert not page.select("form[action$='/done']") and "You read this on" in page.text
    listing = reader.get(f"/q/{reader.token}/read").page
    assert len(listing.select(".module-card .tag--done")) == 1
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log")]
    assert actions.count("read-module") == 1


def test_an_ended_course_can_still_be_read_but_not_marked(reader, db):
    courses.end_course(db, reader.course_id)
    page = reader.get(f"/q/{reader.token}/read/good-prognosis").page
    assert not page.select("form[action$='/done']")
    reader.post(f"/q/{reader.token}/read/good-prognosis/done")
    assert queries.list_reads(db, reader.course_id) == {}


def test_an_expired_or_unknown_link_cannot_read(reader, db, client):
    assert client.get("/q/nonsense/read").status_code == 404
    db.execute("UPDATE invitations SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert reader.get(f"/q/{reader.token}/read").status_code == 410
    assert reader.get(f"/q/{reader.token}/read/what-is-back-pain").status_code == 410


def test_the_page_language_follows_the_patient(client, enrol):
    _, token = enrol(consent="given", language="da")
    page = client.get(f"/q/{token}/read/good-prognosis").page
    assert page.html["lang"] == "da" and page.h1.text.strip() == "Udsigterne er som regel gode"
    client.post(f"/q/{token}/language", data={"language": "en",
                                              "next": f"/q/{token}/read/good-prognosis"})
    page = client.get(f"/q/{token}/read/good-prognosis").page
    assert page.html["lang"] == "en" and page.h1.text.strip() == "The outlook is usually good"


def test_the_clinician_sees_what_was_read(app, db, clinic_id, reader):
    reader.post(f"/q/{reader.token}/read/what-is-back-pain/done")
    save_clinician(db, clinic_id, "fysio@clinic.example", "Fysio", PASSWORD)
    clinic = CheckingClient(app.test_client())
    clinic.post("/clinic/login", data={"email": "fysio@clinic.example", "password": PASSWORD})
    section = clinic.get(f"/clinic/courses/{reader.course_id}").page \
        .select_one("#exercise-section")
    [read] = section.select("li.reading--read")
    assert "Hvad er primære lænderygsmerter?" in read.text
    assert len(section.select("li.reading--unread")) >= 5


# --- safety and a module in one language only ---------------------------------------------------

@pytest.fixture
def app_with(tmp_path, make_app):
    """An app on an edited copy of content/, with an enrolled Danish patient's link."""

    def _make(edit) -> tuple[CheckingClient, str]:
        content = tmp_path / "content"
        shutil.copytree(PROJECT_ROOT / "content", content)
        edit(content)
        app = make_app(CONTENT_DIR=str(content))
        db = connect(app.config["DATABASE"])
        course_id = courses.enrol(db, courses.NewPatient(save_clinic(db, "Fysio"), "P"),
                                  app.extensions["content"].pathway("primary-low-back-pain"),
                                  date.today())
        token = courses.create_invitation(db, courses.list_timepoints(db, course_id)[0])
        db.close()
        return CheckingClient(app.test_client()), token

    return _make


def test_html_in_a_module_is_shown_as_text_never_run(app_with):
    def add_script(content):
        path = content / "da/education/good-prognosis.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n## ", "\n<script>alert('x')</script> <b onclick=x>b</b>"
                                              "\n\n## ", 1), encoding="utf-8")

    client, token = app_with(add_script)
    response = client.get(f"/q/{token}/read/good-prognosis")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b onclick" not in html
    assert "&lt;script&gt;alert" in html
    assert not response.page.select("article script, article b")


def test_a_module_missing_in_danish_is_shown_in_english_and_flagged(app_with):
    client, token = app_with(lambda c: (c / "da/education/good-prognosis.md").unlink())
    page = client.get(f"/q/{token}/read").page
    card = next(li for li in page.select(".module-card") if "good-prognosis" in str(li))
    assert card["lang"] == "en" and card.select_one(".tag--language")
    module_page = client.get(f"/q/{token}/read/good-prognosis").page
    assert module_page.select_one("article")["lang"] == "en"
    assert module_page.html["lang"] == "da"
