"""The request's side of the score charts: where each consultation falls on the time axis
and the axis's words in the reader's language. The drawing is ``chart.py`` (pure); the
clinician's course page and the patient's progress page both chart through here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ..timeutil import parse_date
from ..web.templating import local_number
from .chart import Line, Tick, line_chart
from .report import SCALE_MAX, Series


def tick_label(tick: Tick) -> str:
    """'Start', '3 days', '2 weeks', '6 months' (never a timepoint's internal key)."""
    if tick.unit == "start":
        return _("Start")
    if tick.unit == "day":
        return ngettext("%(num)d day", "%(num)d days", tick.count)
    if tick.unit == "week":
        return ngettext("%(num)d week", "%(num)d weeks", tick.count)
    return ngettext("%(num)d month", "%(num)d months", tick.count)


def days_by_key(timepoints: list[dict], first_visit: str) -> dict[str, int]:
    """Days from the first visit to each consultation (its current date, moved or not).

    The answers belong to their consultation and arrive within a few days of it (the link
    expires two days after), so the consultation's date places them on the axis.
    """
    start = parse_date(first_visit)
    return {tp["key"]: (parse_date(tp["visit_date"]) - start).days for tp in timepoints}


def top_of_scale(instrument: str, series: list[Series]) -> float:
    """The instrument's maximum; for one this module does not know, a round ceiling."""
    if instrument in SCALE_MAX:
        return SCALE_MAX[instrument]
    highest = max((p.value for s in series for p in s.valid_points), default=1) or 1
    return 10 ** math.ceil(math.log10(highest)) if highest > 1 else 1


def score_chart(series: list[Series], days: dict[str, int], title: str,
                name_of: Callable[[Series], str]) -> Markup:
    """One instrument's series (an NPRS chart has a line per site) as an SVG chart; none
    while no line has two points (the table says all a single answer can)."""
    lines = [Line(name_of(s), [(days[p.timepoint], p.value) for p in s.valid_points
                               if p.timepoint in days]) for s in series]
    if all(len(line.points) < 2 for line in lines):
        return Markup("")
    return line_chart(lines, top_of_scale(series[0].instrument, series), title, tick_label,
                      lambda v: local_number(v, 0 if float(v).is_integer() else 1))
