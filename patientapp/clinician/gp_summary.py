"""The GP summary: the half page a GP reads, built from the course page's context.

Every part is a list or None, never a row of dashes: a part with nothing in it is left
out of the page (``sections`` names the parts present, in the order they are printed, so
a feature adds its part by adding a name and a partial under
``templates/clinician/gp_summary/``).
"""

from __future__ import annotations

from . import report

ORDER = ("who", "red_flags", "scores", "psfs", "neuro", "tests", "attendance", "assessment")


def score_lines(by_instrument: dict[str, list[report.Series]]) -> list[dict]:
    """Per headline score (and NPRS site): the start, now, and the change since the start.

    Only series with a valid score; "start" is the baseline's own score (a skipped baseline
    is never replaced), "now" the latest when it is a later one."""
    lines = []
    for instrument, series_list in by_instrument.items():
        for series in series_list:
            valid = series.valid_points
            if not valid:
                continue
            start = valid[0] if series.has_baseline else None
            now = valid[-1] if valid[-1] is not start else None
            lines.append({"instrument": instrument, "item": series.item, "start": start,
                          "now": now, "change": series.change_since_baseline()})
    return lines


def psfs_lines(activities: list[dict], activity_series: dict) -> list[dict]:
    """Each activity with its first and latest rating (an activity added later has no
    change since baseline)."""
    lines = []
    for activity in activities:
        series = activity_series.get(str(activity["position"]))
        valid = series.valid_points if series else []
        lines.append({"text": activity["text"], "baseline": bool(activity["baseline"]),
                      "first": valid[0] if valid else None,
                      "latest": valid[-1] if len(valid) > 1 else None,
                      "change": series.change_since_baseline()
                      if series and activity["baseline"] else None})
    return lines


def red_flags(alerts: list[dict]) -> list[dict]:
    """The alarm symptoms the patient reported, oldest first."""
    return sorted((a for a in alerts if a["kind"] == "alarm"), key=lambda a: a["created_at"])


def attendance(record: dict | None, exercise: dict | None) -> dict | None:
    """Visits attended and missed, painkillers, and home-exercise adherence; None if none."""
    found = {}
    if record:
        found.update({k: record[k] for k in ("attended", "missed") if record[k] is not None})
        if record["painkillers"]:
            found["painkillers"] = record["painkillers"]
            found["painkillers_note"] = record["painkillers_note"]
    if exercise and exercise.get("plan"):
        done, planned = exercise["totals"]
        if planned:
            found["exercise"] = {"done": done, "planned": planned,
                                 "percent": round(100 * done / planned)}
    return found or None


def build(context: dict, sections: dict, note: str) -> dict:
    """The summary's parts from the course page's context and its sections."""
    consultation = sections.get("consultation") or {}
    neuro = consultation.get("neuro") or []
    parts = {
        "who": True,
        "red_flags": red_flags(context["alerts"]) or None,
        "scores": score_lines(context["by_instrument"]) or None,
        "psfs": psfs_lines(context["activities"], context["activity_series"]) or None,
        "neuro": neuro[-1] if neuro else None,
        "tests": consultation.get("tests") or None,
        "attendance": attendance(consultation.get("record"), sections.get("exercise")),
        "assessment": note.strip() or None,
    }
    return {"parts": parts, "order": [name for name in ORDER if parts[name]],
            "test_timepoints": consultation.get("test_timepoints") or []}
