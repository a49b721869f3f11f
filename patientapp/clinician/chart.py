"""Server-rendered SVG line charts of scores over time: no JavaScript, light, printable.

Pure: no Flask, no database. The clinician's course page and the patient's progress page
both draw with ``line_chart``. The x axis is the course's own clock, days since the first
visit, so points sit where their consultations fell; ``time_ticks`` chooses days, weeks or
months for the axis and the caller words each tick in the reader's language (``Tick``
carries no text). Each line has its own colour, dash and marker shape, so lines differ
without colour too, and a legend when there is more than one.

The chart is decoration for sighted readers: every page that shows one also shows the
same numbers as a table, so the SVG carries a short title only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 14, 34
FONT = 13  # user units; the chart is drawn about 1:1 on a phone, larger on a desk
LEGEND_ROW = 20
COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0f766e"]
DASHES = ["", "6 4", "2 4", "8 3 2 3", "4 2", "1 3"]
MARKERS = ["circle", "square", "triangle", "diamond"]
DAYS_PER_MONTH = 365.25 / 12
TEXT = "#374151"


@dataclass(frozen=True)
class Tick:
    """A mark on the time axis: ``count`` ``unit``s after the first visit (day ``day``)."""

    day: int
    unit: str  # "start", "day", "week" or "month"
    count: int


@dataclass(frozen=True)
class Line:
    """One line: a name for the legend and (day since the first visit, value) points."""

    name: str
    points: Sequence[tuple[int, float]]


def time_ticks(last_day: int) -> list[Tick]:
    """Ticks from the first visit (day 0) to at least ``last_day``, at most six of them.

    Up to ten days: days; up to 20 weeks: weeks (every 1, 2 or 4); beyond: months.
    """
    last_day = max(last_day, 1)
    if last_day <= 10:
        step = 1 if last_day <= 5 else 2
        return _ticks("day", step, math.ceil(last_day / step), lambda n: n)
    weeks = last_day / 7
    if weeks <= 20:
        step = next(s for s in (1, 2, 4) if weeks / s <= 5)
        return _ticks("week", step, math.ceil(weeks / step), lambda n: 7 * n)
    months = last_day / DAYS_PER_MONTH
    step = next(s for s in (1, 3, 6, 12, 24) if months / s <= 4)
    return _ticks("month", step, math.ceil(months / step),
                  lambda n: round(n * DAYS_PER_MONTH))


def _ticks(unit: str, step: int, steps: int, day_of: Callable[[int], int]) -> list[Tick]:
    ticks = [Tick(0, "start", 0)]
    ticks += [Tick(day_of(n * step), unit, n * step) for n in range(1, steps + 1)]
    return ticks


def line_chart(lines: Sequence[Line], top_value: float, title: str,
               tick_label: Callable[[Tick], str],
               value_label: Callable[[float], str] = lambda v: f"{v:g}") -> Markup:
    """An SVG of ``lines`` on a 0–``top_value`` scale over days since the first visit.

    ``tick_label`` words each time tick ("Start", "2 weeks" …) in the reader's language.
    Empty when no line has a point.
    """
    drawn = [line for line in lines if line.points]
    if not drawn:
        return Markup("")
    days = [day for line in drawn for day, _ in line.points]
    ticks = time_ticks(max(days))
    named = [line for line in drawn if line.name] if len(drawn) > 1 else []
    legend = _legend_rows(named)
    top = TOP + LEGEND_ROW * len(legend)
    first, last = min(min(days), 0), ticks[-1].day

    def x(day: float) -> float:
        return LEFT + (day - first) / (last - first) * (WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        return top + (1 - value / top_value) * (HEIGHT - top - BOTTOM)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for value in (0, top_value / 2, top_value):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="#d1d5db"/>'
                     f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'font-size="{FONT}" fill="{TEXT}">{escape(value_label(value))}</text>')
    for tick in ticks:
        anchor = "start" if tick.day == first else "end" if tick.day == last else "middle"
        parts.append(f'<line x1="{x(tick.day):.1f}" x2="{x(tick.day):.1f}" '
                     f'y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}" stroke="{TEXT}"/>'
                     f'<text x="{x(tick.day):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}" '
                     f'font-size="{FONT}" fill="{TEXT}">{escape(tick_label(tick))}</text>')
    for index, line in enumerate(drawn):
        points = [(x(day), y(value)) for day, value in sorted(line.points)]
        parts.append(_polyline(points, index))
        parts += [_marker(px, py, index) for px, py in points]
    parts += _legend(legend, {id(line): n for n, line in enumerate(drawn)})
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704


def _style(index: int) -> tuple[str, str]:
    return COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]


def _polyline(points: list[tuple[float, float]], index: int) -> str:
    if len(points) < 2:
        return ""
    colour, dash = _style(index)
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return (f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-dasharray="{dash}"/>')


def _marker(px: float, py: float, index: int, size: float = 4.5) -> str:
    """A circle, square, triangle or diamond: the lines differ in shape, not only colour."""
    colour, shape = _style(index)[0], MARKERS[index % len(MARKERS)]
    if shape == "circle":
        return f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{size}" fill="{colour}"/>'
    if shape == "square":
        return (f'<rect x="{px - size:.1f}" y="{py - size:.1f}" width="{2 * size}" '
                f'height="{2 * size}" fill="{colour}"/>')
    corners = ([(0, -1.2), (1.1, 0.9), (-1.1, 0.9)] if shape == "triangle"
               else [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)])
    path = " ".join(f"{px + dx * size:.1f},{py + dy * size:.1f}" for dx, dy in corners)
    return f'<polygon points="{path}" fill="{colour}"/>'


def _legend_rows(lines: list[Line]) -> list[list[Line]]:
    """Legend entries in rows that fit the chart's width (text width estimated)."""
    rows: list[list[Line]] = []
    used = WIDTH
    for line in lines:
        width = _entry_width(line)
        if used + width > WIDTH - RIGHT:
            rows.append([])
            used = LEFT
        rows[-1].append(line)
        used += width
    return rows


def _entry_width(line: Line) -> float:
    return 34 + 0.6 * FONT * len(line.name) + 14


def _legend(rows: list[list[Line]], index_of: dict[int, int]) -> list[str]:
    parts = []
    for row_number, row in enumerate(rows):
        cy, px = TOP + LEGEND_ROW * row_number + 4, LEFT
        for line in row:
            index = index_of[id(line)]
            colour, dash = _style(index)
            parts.append(f'<line x1="{px}" x2="{px + 26}" y1="{cy}" y2="{cy}" '
                         f'stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>')
            parts.append(_marker(px + 13, cy, index, 4))
            parts.append(f'<text x="{px + 32}" y="{cy + 4.5}" font-size="{FONT}" '
                         f'fill="{TEXT}">{escape(line.name)}</text>')
            px += _entry_width(line)
    return parts
