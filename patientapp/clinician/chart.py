"""Server-rendered SVG line charts of score series: no JavaScript, light, printable.

The chart is decoration for sighted readers; the score table next to it is the
accessible alternative, so the SVG carries a short title only.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .report import SCALE_MAX, Series

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28
COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0f766e"]
DASHES = ["", "6 4", "2 4", "8 3 2 3", "4 2", "1 3"]


def line_chart(series: list[Series], columns: list[str], labels: dict[str, str],
               title: str) -> Markup:
    """An SVG of ``series`` over ``columns`` (timepoint keys, in order)."""
    if not series or not columns:
        return Markup("")
    top_value = SCALE_MAX[series[0].instrument]
    span_x = (WIDTH - LEFT - RIGHT) / max(len(columns) - 1, 1)

    def x(key: str) -> float:
        return LEFT + columns.index(key) * span_x if len(columns) > 1 else LEFT + span_x / 2

    def y(value: float) -> float:
        return TOP + (1 - value / top_value) * (HEIGHT - TOP - BOTTOM)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for tick in (0, top_value / 2, top_value):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#d1d5db"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#374151">{tick:g}</text>')
    for key in columns:
        parts.append(f'<text x="{x(key):.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                     f'font-size="10" fill="#374151">{escape(labels.get(key, key))}</text>')
    for index, s in enumerate(series):
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        points = [(x(p.timepoint), y(p.value)) for p in s.valid_points if p.timepoint in columns]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         f'stroke-width="2.5" stroke-dasharray="{dash}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>'
                  for px, py in points]
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704
