"""Provides the dashboard's charts, drawn on the server as inline SVG.

No JavaScript and no fetched fonts: a chart is markup in the page, readable by any browser a
township or county office has, and it prints. Each chart sits beside the table it draws, so a
person who cannot see it (or prefers numbers) loses nothing. Text uses the system's CJK font.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

__all__ = ["bar_chart", "coverage_bar", "line_chart", "nice_ceiling"]

_BAR = "#2b6cb0"
_SERIES_COLORS = ("#2b6cb0", "#2f855a", "#b7791f")
_GRID = "#e2e8f0"
_TEXT = "#1a202c"
_MUTED = "#4a5568"
_FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, sans-serif"'


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    """An SVG element that scales with its box, named for screen readers by its title."""
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_attr(title)}" xmlns="http://www.w3.org/2000/svg" {_FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _heading(title: str) -> str:
    return (
        f'<text x="12" y="18" font-size="14" font-weight="700" fill="{_TEXT}">'
        f"{escape(title)}</text>"
    )


def _empty(title: str, width: int = 640) -> Markup:
    return _svg(
        width,
        60,
        title,
        [f'<text x="12" y="36" font-size="14" fill="{_MUTED}">{escape(title)}：暂无数据</text>'],
    )


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above value, so axis ticks are round numbers."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _count_axis(top: float) -> tuple[float, float]:
    """(axis maximum, tick step) for counts: whole, round steps, about four ticks."""
    step = max(1.0, nice_ceiling(top / 4))
    return step * max(1, math.ceil(top / step)), step


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    label_width: int = 130,
) -> Markup:
    """Horizontal bars in the given order (a ranking), the value written at each bar's end.

    Args:
        unit: "%" when values are fractions 0..1 (drawn against 100%), else counts.
    """
    if not items:
        return _empty(title, width)
    row, top = 26, 30
    scale_max = 1.0 if unit == "%" else nice_ceiling(max(v for _, v in items))
    plot = width - label_width - 70
    body = [_heading(title)]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = 0 if scale_max == 0 else max(0.0, value) / scale_max * plot
        body.append(
            f'<text x="{label_width - 8}" y="{y + 17}" font-size="13" text-anchor="end" '
            f'fill="{_TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{_BAR}" rx="2"><title>{escape(label)}：{_number(value, unit)}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" font-size="12" '
            f'fill="{_MUTED}">{_number(value, unit)}</text>'
        )
    return _svg(width, top + 8 + row * len(items), title, body)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Lines over time (e.g. months), one per series, with a legend and a round y axis."""
    if not labels or not series:
        return _empty(title, width)
    left, right, top, bottom = 56, 16, 44, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max, y_step = _count_axis(max((max(values, default=0) for _, values in series), default=0))
    step = plot_w / max(1, len(labels) - 1)

    def x_of(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    body = [_heading(title)]
    for k in range(round(y_max / y_step) + 1):
        value = k * y_step
        y = y_of(value)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="{_MUTED}">{_number(value, "")}</text>'
        )
    every = max(1, math.ceil(len(labels) / 12))  # at most about 12 x labels
    last = len(labels) - 1
    for i, label in enumerate(labels):
        if i % every == 0 or i == last:
            # The end labels hang inward, so they are not cut at the chart's edges.
            anchor = "middle" if last == 0 or 0 < i < last else "start" if i == 0 else "end"
            body.append(
                f'<text x="{x_of(i):.1f}" y="{height - bottom + 18}" font-size="11" '
                f'text-anchor="{anchor}" fill="{_MUTED}">{escape(label)}</text>'
            )
    for n, (name, values) in enumerate(series):
        color = _SERIES_COLORS[n % len(_SERIES_COLORS)]
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        body.extend(
            f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}">'
            f"<title>{escape(labels[i])} {escape(name)}：{_number(v, '')}</title></circle>"
            for i, v in enumerate(values)
        )
        legend_x = width - right - (len(series) - n) * 90
        body.append(
            f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{color}"/>'
            f'<text x="{legend_x + 16}" y="18" font-size="12" fill="{_TEXT}">{escape(name)}</text>'
        )
    return _svg(width, height, title, body)


def coverage_bar(part: int, total: int, *, title: str) -> Markup:
    """How many of `total` (centers) are covered: the count and percentage as text, and a bar
    that stretches to its box's width (its text stays readable on a phone, unlike text
    scaled down inside a wide SVG)."""
    if total <= 0:
        return _empty(title)
    share = min(1.0, max(0.0, part / total))
    color = "#2f855a" if share >= 0.9 else "#b7791f" if share >= 0.6 else "#c53030"
    text = f"{escape(title)}：{part} / {total}（{share * 100:.1f}%）"
    return Markup(
        f"<p>{text}</p>"
        f'<svg class="meter" viewBox="0 0 1000 18" preserveAspectRatio="none" role="img" '
        f'aria-label="{_attr(text)}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="1000" height="18" fill="{_GRID}"/>'
        f'<rect width="{1000 * share:.1f}" height="18" fill="{color}"/></svg>'
    )
