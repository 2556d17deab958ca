"""Charts as inline SVG (统计图), drawn by our own code.

Government intranets have no internet, so the HTML report cannot load a
charting library or a web font.  These functions return plain SVG markup:
it needs no script, prints sharply, and its Chinese labels are ordinary text
drawn in whatever CJK font the reader's machine has (the report's stylesheet
names a stack of them, `CJK_FONTS`).  Every bar and point carries its value
as text, so the chart can be read without the table.

Label widths are estimated (a CJK character is one em, other characters
about 0.6 em); there is no font to measure with, and the estimate is
generous on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import attrs

__all__ = [
    "CJK_FONTS",
    "Bar",
    "Point",
    "Series",
    "StackedBar",
    "bar_chart",
    "line_chart",
    "stacked_bar_chart",
]

#: Fonts with Chinese glyphs, most common first: Windows, macOS, Linux (Noto, WenQuanYi).
CJK_FONTS = (
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Zen Hei", "WenQuanYi Micro Hei", SimHei, SimSun, sans-serif'
)
_SIZE = 13
_ROW = 26
_BAR = 16
_WIDTH = 720


@attrs.frozen(slots=True)
class Bar:
    """One bar: its label (市自规局), length (64.3) and the text printed after it (64.3%（9/14）)."""

    label: str
    value: float
    text: str
    tooltip: str = ""


@attrs.frozen(slots=True)
class Series:
    """One series of a stacked chart: its name (已办结) and colour."""

    name: str
    colour: str


@attrs.frozen(slots=True)
class StackedBar:
    """One stacked bar: its label, one value per series, and the text printed after it."""

    label: str
    values: tuple[int, ...]
    text: str


@attrs.frozen(slots=True)
class Point:
    """One point of a line chart: its label on the x axis (2025-03) and value."""

    label: str
    value: int
    tooltip: str = ""


def text_width(text: str, size: float = _SIZE) -> float:
    """The estimated width of `text` in pixels at font size `size`."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    # No xmlns: inline SVG in HTML needs none, and the report must contain no URL at all.
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family=\'{CJK_FONTS}\' font-size="{_SIZE}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, colour: str, *, tooltip: str = "") -> str:
    tip = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h}" fill="{colour}">{tip}</rect>'


def bar_chart(
    title: str, bars: Sequence[Bar], *, max_value: float | None = None, colour: str = "#2e7d32"
) -> str:
    """Horizontal bars, one per row, labelled on the left and valued on the right."""
    label_w = max((text_width(b.label) for b in bars), default=40) + 16
    text_w = max((text_width(b.text) for b in bars), default=40) + 12
    plot_w = max(_WIDTH - label_w - text_w, 120)
    top = max((b.value for b in bars), default=0)
    scale = max_value if max_value else top or 1
    body: list[str] = []
    for n, bar in enumerate(bars):
        y = 8 + n * _ROW
        length = plot_w * bar.value / scale if scale else 0
        body.append(_text(label_w - 8, y + _BAR - 3, bar.label, anchor="end"))
        body.append(_rect(label_w, y, plot_w, _BAR, "#eeeeee"))
        body.append(_rect(label_w, y, length, _BAR, colour, tooltip=bar.tooltip or f"{bar.label} {bar.text}"))
        body.append(_text(label_w + plot_w + 6, y + _BAR - 3, bar.text, cls="value"))
    height = 16 + max(len(bars), 1) * _ROW
    return _svg(int(label_w + plot_w + text_w), height, title, body)


def stacked_bar_chart(title: str, series: Sequence[Series], bars: Sequence[StackedBar]) -> str:
    """Horizontal stacked bars (e.g. completed and in progress per category), with a legend."""
    label_w = max((text_width(b.label) for b in bars), default=40) + 16
    text_w = max((text_width(b.text) for b in bars), default=40) + 12
    plot_w = max(_WIDTH - label_w - text_w, 120)
    scale = max((sum(b.values) for b in bars), default=0) or 1
    body = _legend(series, label_w)
    for n, bar in enumerate(bars):
        y = 34 + n * _ROW
        body.append(_text(label_w - 8, y + _BAR - 3, bar.label, anchor="end"))
        x = float(label_w)
        for value, s in zip(bar.values, series, strict=True):
            width = plot_w * value / scale
            body.append(_rect(x, y, width, _BAR, s.colour, tooltip=f"{bar.label} {s.name} {value}"))
            if value and width > text_width(str(value), 11) + 4:
                body.append(_text(x + width / 2, y + _BAR - 4, str(value), anchor="middle", cls="inbar"))
            x += width
        body.append(_text(x + 6, y + _BAR - 3, bar.text, cls="value"))
    height = 42 + max(len(bars), 1) * _ROW
    return _svg(int(label_w + plot_w + text_w), height, title, body)


def _legend(series: Sequence[Series], left: float) -> list[str]:
    body: list[str] = []
    x = left
    for s in series:
        body.append(_rect(x, 6, 12, 12, s.colour))
        body.append(_text(x + 16, 16, s.name))
        x += 16 + text_width(s.name) + 18
    return body


def line_chart(title: str, points: Sequence[Point], *, colour: str = "#c62828") -> str:
    """A line over months (e.g. overdue at each month's end), every point labelled with its value."""
    left, right, top, bottom = 40, 40, 24, 40
    step = 64
    width = max(left + right + step * max(len(points) - 1, 1), 320)
    plot_h = 180
    peak = max((p.value for p in points), default=0) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#999"/>']
    coords = []
    for n, point in enumerate(points):
        x = left + n * step
        y = top + plot_h - plot_h * point.value / peak
        coords.append((x, y))
        body.append(_text(x, top + plot_h + 18, point.label, anchor="middle", cls="axis"))
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for (x, y), point in zip(coords, points, strict=True):
        tip = f"<title>{escape(point.tooltip or f'{point.label} {point.value}')}</title>"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>')
        body.append(_text(x, y - 8, str(point.value), anchor="middle", cls="value"))
    return _svg(width, top + plot_h + bottom, title, body)
