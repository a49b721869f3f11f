"""The score charts: a time axis from the first visit in days, weeks or months, worded in
the reader's language, points placed by date, a legend per line; and the clinician's course
page that shows them near the top."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale

from patientapp.clinician.chart import Line, Tick, line_chart, time_ticks
from patientapp.clinician.timeaxis import days_by_key, tick_label
from patientapp.demo import create_demo

PASSWORD = "correct horse battery"


def ticks(last_day: int) -> list[tuple[int, str, int]]:
    return [(t.day, t.unit, t.count) for t in time_ticks(last_day)]


@pytest.mark.parametrize("last_day, expected", [
    (0, [(0, "start", 0), (1, "day", 1)]),
    (3, [(0, "start", 0), (1, "day", 1), (2, "day", 2), (3, "day", 3)]),
    (9, [(0, "start", 0), (2, "day", 2), (4, "day", 4), (6, "day", 6), (8, "day", 8),
         (10, "day", 10)]),
    (14, [(0, "start", 0), (7, "week", 1), (14, "week", 2)]),
    (56, [(0, "start", 0), (14, "week", 2), (28, "week", 4), (42, "week", 6),
          (56, "week", 8)]),
    (120, [(0, "start", 0), (28, "week", 4), (56, "week", 8), (84, "week", 12),
           (112, "week", 16), (140, "week", 20)]),
    (365, [(0, "start", 0), (91, "month", 3), (183, "month", 6), (274, "month", 9),
           (365, "month", 12)]),
])
def test_the_time_axis_counts_days_weeks_or_months_from_the_first_visit(last_day, expected):
    assert ticks(last_day) == expected


@pytest.mark.parametrize("last_day", range(0, 800, 7))
def test_the_axis_always_reaches_the_last_point_with_few_ticks(last_day):
    found = time_ticks(last_day)
    assert found[0] == Tick(0, "start", 0) and found[-1].day >= last_day
    assert 2 <= len(found) <= 6


def circles(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"',
                                                        svg)]


def chart(lines, top=100) -> str:
    return str(line_chart(lines, top, "ODI <x>", lambda t: f"{t.unit}-{t.count}"))


def test_points_are_placed_by_date_not_by_order():
    (first, middle, last) = circles(chart([Line("", [(0, 40), (7, 30), (28, 20)])]))
    assert first[0] < middle[0] < last[0]
    # day 7 of an axis ending at day 28 (4 weeks): a quarter of the way, not half
    assert middle[0] - first[0] == pytest.approx((last[0] - first[0]) / 4, abs=0.2)
    assert first[1] < middle[1] < last[1]  # a lower value is drawn lower (larger y)


def test_the_chart_is_an_escaped_svg_with_a_title_and_no_script():
    svg = chart([Line("<b>", [(0, 40), (56, 20)]), Line("leg", [(0, 10), (56, 5)])])
    assert svg.startswith("<svg") and "<title>ODI &lt;x&gt;</title>" in svg
    assert "<script" not in svg and "<b>" not in svg and "&lt;b&gt;" in svg


def test_the_tick_labels_come_from_the_caller():
    svg = chart([Line("", [(0, 40), (56, 20)])])
    labels = re.findall(r">([a-z]+-\d+)</text>", svg)
    assert labels == ["start-0", "week-2", "week-4", "week-6", "week-8"]


def test_each_line_has_a_legend_entry_and_its_own_marker():
    svg = chart([Line("back pain", [(0, 4), (14, 3)]), Line("leg pain", [(0, 7), (14, 2)])], 10)
    assert ">back pain</text>" in svg and ">leg pain</text>" in svg
    assert "<circle" in svg and "<rect" in svg  # not told apart by colour alone
    single = chart([Line("back pain", [(0, 4), (14, 3)])], 10)
    assert "back pain" not in single  # one line needs no legend


def test_no_points_no_chart():
    assert chart([Line("", [])]) == ""


@pytest.mark.parametrize("language, expected", [
    ("da", ["Start", "1 dag", "3 dage", "1 uge", "2 uger", "1 måned", "6 måneder"]),
    ("en", ["Start", "1 day", "3 days", "1 week", "2 weeks", "1 month", "6 months"]),
])
def test_tick_labels_are_words_in_the_readers_language(app, language, expected):
    wanted = [Tick(0, "start", 0), Tick(1, "day", 1), Tick(3, "day", 3), Tick(7, "week", 1),
              Tick(14, "week", 2), Tick(30, "month", 1), Tick(183, "month", 6)]
    with app.test_request_context(), force_locale(language):
        assert [tick_label(t) for t in wanted] == expected


def test_each_consultation_sits_at_its_days_since_the_first_visit():
    timepoints = [{"key": "baseline", "visit_date": "2026-03-02"},
                  {"key": "week-2", "visit_date": "2026-03-18"}]  # moved two days
    assert days_by_key(timepoints, "2026-03-02") == {"baseline": 0, "week-2": 16}


# --- the clinician's course page ----------------------------------------------------------

@pytest.fixture
def signed_in(client, db, content):
    create_demo(db, content, "http://localhost", date.today(), PASSWORD)
    client.post("/clinic/login", data={"email": "demo@clinic.example", "password": PASSWORD})
    return client


def course_page(client, db, name: str, language: str):
    course_id = next(db.query("SELECT courses.id FROM courses JOIN patients ON patients.id ="
                              " courses.patient_id WHERE name = ?", [name]))["id"]
    return client.get(f"/clinic/courses/{course_id}",
                      headers={"Accept-Language": language}).page


@pytest.mark.parametrize("language, words", [("da", ["Start", "1 uge", "2 uger"]),
                                             ("en", ["Start", "1 week", "2 weeks"])])
def test_the_course_page_charts_have_a_worded_time_axis_and_a_legend(signed_in, db, language,
                                                                      words):
    db.execute("UPDATE clinicians SET language = ?", [language])
    page = course_page(signed_in, db, "Erik Madsen", language)
    nprs = page.select_one("#scores-nprs").find_parent("section").select_one("svg")
    texts = [t.text for t in nprs.select("text")]
    assert all(word in texts for word in words), texts
    assert not {"0w", "2w", "final", "baseline", "week-2"} & set(texts)
    legend = {"da": ["rygsmerter", "bensmerter"], "en": ["back pain", "leg pain"]}[language]
    assert all(name in texts for name in legend)


def test_the_scores_come_right_after_the_alerts_above_reading_and_exercise(signed_in, db):
    page = course_page(signed_in, db, "Bent Nielsen", "da")
    titles = [h2.get("id") for h2 in page.select("main h2")]
    assert titles[:3] == ["alerts-title", "scores-title", "psfs-title"]
    assert titles.index("scores-title") < titles.index("exercise-section-title")


def test_a_single_answer_gets_no_chart_only_its_table(signed_in, db):
    page = course_page(signed_in, db, "Erik Madsen", "en")
    odi = page.select_one("#scores-odi").find_parent("section")
    assert odi.select_one("svg") is None and odi.select_one("table") is not None
