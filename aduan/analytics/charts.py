"""Small server-rendered SVG charts for the dashboards: no JavaScript, no CDN.

A chart is a title, a description for screen readers, and points (label, value); a
value of None is a gap (a month with nothing to measure), never a zero. Every piece of
text is escaped here, so the returned markup is safe to put in a template as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 260
# Room for the value labels on the left and the point labels below.
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 40
TICKS = 4
TICK_CHOICES = (4, 5, 3)  # the first of equal tops wins
# A chart is drawn 640 units wide and shown in a card 300 to 500 pixels wide: its text
# is 18 units (aduan.css), 8 to 14 pixels on screen, so with twelve months only every
# other one is named below the axis (each still has its tooltip).
MAX_X_LABELS = 6

Point = tuple[str, float | None]


@dataclass(frozen=True)
class Chart:
    """A chart with its title, for a page to show above it (`{{ chart.title }}`);
    `{{ chart }}` is the SVG itself."""

    title: str
    svg: SafeString

    def __str__(self) -> str:
        return self.svg

    def __html__(self) -> str:
        return self.svg


@dataclass(frozen=True)
class Frame:
    """The plot area inside the chart and the value at its top."""

    width: int
    height: int
    top_value: float
    ticks: int = 4  # grid lines above the baseline

    @property
    def plot_width(self) -> float:
        return self.width - LEFT - RIGHT

    @property
    def plot_height(self) -> float:
        return self.height - TOP - BOTTOM

    def y(self, value: float) -> float:
        return TOP + self.plot_height * (1 - value / self.top_value)

    def slot(self, index: int, count: int) -> tuple[float, float]:
        """The left edge and width of point `index`'s column."""
        width = self.plot_width / max(count, 1)
        return LEFT + index * width, width


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power


def _default_format(value: float) -> str:
    return number_format(value, 0 if float(value).is_integer() else 1)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, title: str, description: str, frame: Frame, kind: str) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}"'
        f' id="{escape(chart_id)}"'
        f' viewBox="0 0 {frame.width} {frame.height}" role="img"'
        f' aria-labelledby="{escape(title_id)} {escape(desc_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]


def _axes(frame: Frame, labels: Sequence[str], fmt: Callable[[float], str]) -> list[str]:
    parts = ['<g class="axis axis-y">']
    for tick in range(frame.ticks + 1):
        value = frame.top_value * tick / frame.ticks
        y = _fmt(frame.y(value))
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{frame.width - RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</g>")
    baseline = _fmt(frame.y(0))
    parts.append(
        f'<line class="axis-line" x1="{LEFT}" x2="{frame.width - RIGHT}"'
        f' y1="{baseline}" y2="{baseline}"/>'
    )
    parts.append('<g class="axis axis-x">')
    every = math.ceil(len(labels) / MAX_X_LABELS) if labels else 1
    for index, label in enumerate(labels):
        # Counted from the newest, so the latest month is always named.
        if (len(labels) - 1 - index) % every:
            continue
        left, width = frame.slot(index, len(labels))
        parts.append(
            f'<text x="{_fmt(left + width / 2)}" y="{frame.height - BOTTOM + 22}"'
            f' text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</g>")
    return parts


def nice_top(highest: float, *, whole: bool = False) -> tuple[float, int]:
    """The axis's top and its number of steps: 3 to 5 steps of a round size (1, 2, 2.5
    or 5 times a power of ten) reaching `highest`, the lowest such top, so every tick is
    a round number and the bars fill the chart. For counts (`whole`) a step is a whole
    number: no tick reads 6.25 reports."""
    best = None
    for ticks in TICK_CHOICES:
        step = nice_ceiling(highest / ticks) if highest > 0 else 1.0 / ticks
        if whole:
            step = max(1.0, step)
            if not float(step).is_integer():  # 2.5
                step = nice_ceiling(step + 1e-9)
        if best is None or step * ticks < best[0] - 1e-9:
            best = (step * ticks, ticks)
    return best


def _frame(
    points: Sequence[Point], width: int, height: int, top: float | None, whole: bool = False
) -> Frame:
    if top:
        return Frame(width, height, top, TICKS)
    values = [v for _label, v in points if v is not None]
    value, ticks = nice_top(max(values, default=0), whole=whole)
    return Frame(width, height, value, ticks)


def bar_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_format: Callable[[float], str] = _default_format,
    width: int = WIDTH,
    height: int = HEIGHT,
    top: float | None = None,
    whole: bool = False,
) -> SafeString:
    """Vertical bars, one per point, each with a tooltip of its label and value; `whole`
    for counts (whole-numbered ticks)."""
    frame = _frame(points, width, height, top, whole)
    parts = _open(chart_id, title, description, frame, "bar")
    parts += _axes(frame, [label for label, _v in points], value_format)
    parts.append('<g class="bars">')
    for index, (label, value) in enumerate(points):
        if value is None:
            continue
        left, slot = frame.slot(index, len(points))
        y = frame.y(value)
        parts.append(
            f'<rect x="{_fmt(left + slot * 0.15)}" y="{_fmt(y)}" width="{_fmt(slot * 0.7)}"'
            f' height="{_fmt(frame.y(0) - y)}" data-value="{value}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_format: Callable[[float], str] = _default_format,
    width: int = WIDTH,
    height: int = HEIGHT,
    top: float | None = None,
) -> SafeString:
    """A line through the points, broken where a value is missing, with a marker each."""
    frame = _frame(points, width, height, top)
    parts = _open(chart_id, title, description, frame, "line")
    parts += _axes(frame, [label for label, _v in points], value_format)
    segments: list[list[str]] = [[]]
    markers = []
    for index, (label, value) in enumerate(points):
        if value is None:
            segments.append([])
            continue
        left, slot = frame.slot(index, len(points))
        x, y = _fmt(left + slot / 2), _fmt(frame.y(value))
        segments[-1].append(f"{x},{y}")
        markers.append(
            f'<circle cx="{x}" cy="{y}" r="5" data-value="{value}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></circle>"
        )
    parts.append('<g class="lines">')
    for segment in segments:
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}"/>')
    parts.append("</g>")
    parts.append(f'<g class="markers">{"".join(markers)}</g></svg>')
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
