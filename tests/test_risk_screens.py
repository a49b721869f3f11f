"""The risk and work questionnaire's screens: related items share a screen, each item in its
own fieldset (or labelled field) with the questionnaire's title as the one heading; a screen
saves as the patient goes on, and a wrong or missing answer is named in the error summary,
item by item, keeping what the patient entered."""

from __future__ import annotations

import pytest
from helpers import RISK_ANSWERS

from patientapp.content import RISK_ITEMS, RISK_SCREENS
from patientapp.questionnaires import queries as answers_db
from patientapp.questionnaires.kinds import Plan, instrument_steps

STEPS = instrument_steps("risk", Plan(("back", "leg"), names_activities=True))


def test_every_item_is_asked_on_exactly_one_screen_in_order():
    assert [item for screen in RISK_SCREENS for item in screen] == list(RISK_ITEMS)
    assert [step.key.split() for step in STEPS] == [list(screen) for screen in RISK_SCREENS]
    assert len(STEPS) < len(RISK_ITEMS)  # grouped: fewer screens than questions
    assert len({step.id for step in STEPS}) == len(STEPS)


@pytest.fixture
def link(enrol):
    return enrol(consent="given")[1]


def form_of(page):
    return page.select_one("main form[method=post]")


@pytest.mark.parametrize("locale", ["da", "en"])
@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_each_item_on_a_screen_is_its_own_labelled_group(client, content, link, step, locale):
    client.post(f"/q/{link}/language", data={"language": locale})
    page = client.get(f"/q/{link}/step/{step.id}").page
    q = content.questionnaire("risk", locale)
    assert page.h1.text.strip() == q.title  # the one heading; questions are legends
    form = form_of(page)
    for item in (i for i in q.items if i["id"] in step.key.split()):
        if item["type"] == "days":
            label = form.find("label", attrs={"for": item["id"]})
            assert label.text.strip() == item["question"]
            assert form.find("input", attrs={"name": item["id"], "inputmode": "numeric"})
        else:
            fieldset = form.find("fieldset", id=item["id"])
            assert fieldset.legend.text.strip() == item["question"]
            names = {i["name"] for i in fieldset.find_all("input")}
            assert names == {item["id"]}
            assert len(fieldset.find_all("input")) == len(item["options"])


def error_summary(page) -> list[tuple[str, str]]:
    return [(a["href"], a.text.strip()) for a in page.select(".error-summary a")]


def test_a_screen_answered_in_part_names_what_is_missing_and_keeps_the_rest(client, content,
                                                                          link, db):
    q = content.questionnaire("risk", "da")
    worry, harm = (next(i for i in q.items if i["id"] == key)
                   for key in ("worry", "movement_harm"))
    response = client.post(f"/q/{link}/step/risk-worry", data={})
    assert response.status_code == 400
    assert response.page.select_one(".error-summary h2").text == "Der er et problem"
    # each links to its question's first answer
    assert error_summary(response.page) == [("#worry-0", worry["error"]),
                                            ("#movement_harm-0", harm["error"])]
    response = client.post(f"/q/{link}/step/risk-worry", data={"worry": "very"})
    assert response.status_code == 400
    assert error_summary(response.page) == [("#movement_harm-0", harm["error"])]
    assert response.page.find("input", attrs={"name": "worry", "value": "very"}).has_attr(
        "checked")
    assert response.page.find(id="movement_harm")["aria-describedby"] == "movement_harm-error"
    assert not answers_db.load_answers(db, _baseline_id(db)).get("risk")  # nothing half-saved


def test_a_wrong_number_of_days_is_named_and_kept(client, link):
    response = client.post(f"/q/{link}/step/risk-work-status",
                           data={"work_status": "sick_leave_full", "sick_leave_days": "many"})
    assert response.status_code == 400
    (anchor, message), = error_summary(response.page)
    assert anchor == "#sick_leave_days" and "0" in message
    field = response.page.find("input", attrs={"name": "sick_leave_days"})
    assert field["value"] == "many" and field["aria-invalid"] == "true"


def test_each_screen_saves_all_its_items_as_the_patient_goes_on(client, link, db):
    for step in STEPS:
        data = {item: RISK_ANSWERS[item] if isinstance(RISK_ANSWERS[item], list)
                else str(RISK_ANSWERS[item]) for item in step.key.split()}
        response = client.post(f"/q/{link}/step/{step.id}", data=data)
        assert response.status_code == 302, (step.id, response.page and
                                              error_summary(response.page))
        stored = answers_db.load_answers(db, _baseline_id(db))["risk"]
        assert {item: stored[item] for item in step.key.split()} == \
            {item: RISK_ANSWERS[item] for item in step.key.split()}
    assert answers_db.load_answers(db, _baseline_id(db))["risk"] == RISK_ANSWERS
    page = client.get(f"/q/{link}/step/risk-low-mood").page  # resumed: the answers are shown
    for item in ("low_mood", "lost_interest"):
        assert page.find("input", attrs={"name": item, "value": RISK_ANSWERS[item]}).has_attr(
            "checked")


def _baseline_id(db) -> int:
    return next(db.query("SELECT id FROM timepoints WHERE key = 'baseline'"))["id"]
