"""Horizontal bar charts as inline SVG, generated here (no script, no external asset).

Accessible: ``role="img"`` with ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``;
the page puts a table with the same numbers next to each chart. Suppressed counts (``<k``)
are drawn as a hatched bar of length ``k`` — the upper bound — so the chart never shows more
than the table does.
"""

from __future__ import annotations

from html import escape

from counterspy.report.model import Chart

WIDTH = 560
LABEL_W = 190
VALUE_W = 60
ROW_H = 24
BAR_H = 16
TOP = 6
BAR_COLOUR = "#1f4e79"  # 8.6:1 against white
TEXT_COLOUR = "#1a1a1a"


def _label(text: str, limit: int = 25) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart_svg(chart: Chart) -> str:
    bars = chart.bars
    height = TOP * 2 + ROW_H * max(len(bars), 1)
    scale_max = max([b.count.k if b.count.suppressed else b.count.value for b in bars] + [1])
    span = WIDTH - LABEL_W - VALUE_W
    title_id, desc_id = f"{chart.chart_id}-title", f"{chart.chart_id}-desc"
    out = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
        f'<defs><pattern id="{chart.chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR_COLOUR}" stroke-width="3"/>'
        f"</pattern></defs>",
    ]
    if not bars:
        out.append(f'<text x="0" y="{TOP + 16}" fill="{TEXT_COLOUR}" font-size="13">No data</text>')
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_H
        value = bar.count.k if bar.count.suppressed else bar.count.value
        w = round(span * value / scale_max, 1)
        fill = f"url(#{chart.chart_id}-hatch)" if bar.count.suppressed else BAR_COLOUR
        out.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 3}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}" font-size="13">{escape(_label(bar.label))}</text>'
        )
        if w > 0:
            out.append(
                f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="{fill}" '
                f'stroke="{BAR_COLOUR}" stroke-width="1"/>'
            )
        out.append(
            f'<text x="{LABEL_W + w + 6}" y="{y + BAR_H - 3}" fill="{TEXT_COLOUR}" '
            f'font-size="13">{escape(bar.count.text)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
