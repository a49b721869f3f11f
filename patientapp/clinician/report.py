"""A course's scores as series over its timepoints, with change since baseline and since
the previous timepoint, classified by the thresholds in docs/scoring.md.

Pure logic: rows in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import scoring

BASELINE = "baseline"
SCALE_MAX = {"odi": 100, "ndi": 100, "nprs": 10, "psfs": 10}


@dataclass(frozen=True)
class Point:
    timepoint: str
    position: int
    value: float | None
    valid: bool
    band: str | None = None
    reason: str | None = None  # why it is not valid, in English (API and FHIR carry it)
    answered: int | None = None  # sections answered, where the instrument has sections

    @property
    def sections(self) -> tuple[int, int]:
        """(sections in all, sections a valid score needs), for saying why in words."""
        return scoring.SECTION_COUNT, scoring.SECTION_COUNT - scoring.MAX_MISSING_SECTIONS


@dataclass
class Series:
    """One line on a chart: an instrument, or one NPRS site, or one PSFS activity."""

    instrument: str
    item: str
    pathway: str | None = None  # the course's pathway: some thresholds differ by course
    points: list[Point] = field(default_factory=list)

    @property
    def valid_points(self) -> list[Point]:
        return [p for p in self.points if p.valid and p.value is not None]

    @property
    def single_activity(self) -> bool:
        return self.instrument == "psfs" and self.item != ""

    def _change(self, before: Point | None, after: Point | None) -> dict | None:
        if before is None or after is None or before is after:
            return None
        return {"from": before.value, "to": after.value, "delta": after.value - before.value,
                "class": scoring.classify_change(self.instrument, before.value, after.value,
                                                 single_activity=self.single_activity,
                                                 pathway=self.pathway)}

    @property
    def has_baseline(self) -> bool:
        """Whether the baseline consultation itself has a valid score. When it was skipped
        (or is invalid), no later score takes its place: there is no change since baseline."""
        valid = self.valid_points
        return bool(valid) and valid[0].timepoint == BASELINE

    def change_since_baseline(self) -> dict | None:
        valid = self.valid_points
        return self._change(valid[0], valid[-1]) if self.has_baseline and len(valid) > 1 \
            else None

    def change_since_previous(self) -> dict | None:
        valid = self.valid_points
        return self._change(valid[-2], valid[-1]) if len(valid) > 1 else None


def build_series(score_rows: list[dict], psfs_baseline: dict[int, float | None],
                 pathway: str | None = None) -> list[Series]:
    """Group score rows (ordered by timepoint) into series of the course on ``pathway``.

    The PSFS total is the mean over the baseline activities only, so an activity added
    later never moves the course's PSFS change (docs/scoring.md, PSFS).
    """
    series: dict[tuple[str, str], Series] = {}
    for row in score_rows:
        if row["instrument"] not in scoring.CHANGE_RULES:
            continue  # the GPE judges change itself: see global_effect()
        key = (row["instrument"], row["item"])
        value, valid = row["value"], bool(row["valid"])
        if key == ("psfs", "") and row["timepoint_id"] in psfs_baseline:
            value = psfs_baseline[row["timepoint_id"]]
            valid = value is not None
        point = Point(row["timepoint"], row["position"], value, valid, row["band"], row["reason"],
                      row.get("answered"))
        series.setdefault(key, Series(*key, pathway=pathway)).points.append(point)
    order = {"odi": 0, "ndi": 1, "nprs": 2, "psfs": 3}
    return sorted(series.values(), key=lambda s: (order.get(s.instrument, 9), s.item != "",
                                                  s.item))


def worst_change(series: list[Series]) -> str | None:
    """'worse' if any headline series got worse since baseline or the previous timepoint."""
    classes = set()
    for s in series:
        if s.single_activity:
            continue
        for change in (s.change_since_baseline(), s.change_since_previous()):
            if change:
                classes.add(change["class"])
    for label in (scoring.WORSE, scoring.IMPROVED, scoring.NO_CHANGE):
        if label in classes:
            return label
    return None


def global_effect(score_rows: list[dict]) -> list[dict]:
    """The patient's own judgement of change (GPE), one row per timepoint that asked it."""
    return [{"timepoint": row["timepoint"], "band": row["band"], "value": row["value"]}
            for row in score_rows if row["instrument"] == "gpe" and row["valid"]]
