"""Rendering a :class:`ThreatReport` as a self-contained HTML page, Markdown and the
indicator CSV (Meta's layout: ``indicator_type,indicator_value,comment,ds``)."""

from __future__ import annotations

import csv
import io
import re
from importlib.resources import files

import jinja2
from markupsafe import Markup

from counterspy import __version__
from counterspy.model import Phase
from counterspy.report.charts import bar_chart_svg
from counterspy.report.model import Chart, Section, ThreatReport

CSV_COLUMNS = ("indicator_type", "indicator_value", "comment", "ds")

_loader = jinja2.FunctionLoader(
    lambda name: (files("counterspy.report") / "templates" / name).read_text("utf-8")
)
_env = jinja2.Environment(
    loader=_loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)
# Markdown is not HTML-escaped by Jinja: free text goes through ``md`` (table-cell safe).
_md_env = jinja2.Environment(
    loader=_loader,
    autoescape=False,  # noqa: S701 - Markdown output, escaped per cell by _md_cell
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _svg(chart: Chart) -> Markup:
    return Markup(bar_chart_svg(chart))  # noqa: S704 - built from escaped parts in charts.py


def _phase_marks(section: Section) -> list[tuple[str, bool, bool]]:
    """(phase, reported publicly, observed here) for each phase of the chain."""
    return [
        (p.value, p.value in section.reported_phases, p.value in section.observed_phases)
        for p in Phase
    ]


def defang(value: str) -> str:
    """Display form of an indicator: ``http`` → ``hxxp`` so no page or viewer makes it a link
    (the CSV keeps the exact value)."""
    low = value.lower()
    return "hxxp" + value[4:] if low.startswith(("http://", "https://")) else value


def period_text(report: ThreatReport) -> str:
    if report.period_start is None or report.period_end is None:
        return "no targeting activity in the detection results"
    return f"{report.period_start.isoformat()} to {report.period_end.isoformat()}"


def render_html(report: ThreatReport) -> str:
    return _env.get_template("report.html.j2").render(
        r=report,
        svg=_svg,
        phase_marks=_phase_marks,
        period=period_text(report),
        version=__version__,
        defang=defang,
    )


def render_markdown(report: ThreatReport) -> str:
    text = _md_env.get_template("report.md.j2").render(
        r=report,
        phase_marks=_phase_marks,
        period=period_text(report),
        version=__version__,
        md=_md_cell,
        defang=defang,
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def _md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell (pipes and newlines escaped, HTML neutralised)."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return s.replace("<", "&lt;").replace(">", "&gt;")


def render_csv(report: ThreatReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.indicators:
        writer.writerow(
            [row.indicator_type, _csv_safe(row.indicator_value), _csv_safe(row.comment), row.ds]
        )
    return buf.getvalue()


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas (a cell starting with = + - @ is prefixed with ')."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
