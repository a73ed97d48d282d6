"""The published threat report: per-firm sections, aggregate-only targets, TLP-gated
indicator appendix; rendered as self-contained HTML, Markdown and Meta's indicator CSV."""

from counterspy.report.build import build_report
from counterspy.report.model import ThreatReport
from counterspy.report.output import write_report
from counterspy.report.render import render_csv, render_html, render_markdown

__all__ = [
    "ThreatReport",
    "build_report",
    "render_csv",
    "render_html",
    "render_markdown",
    "write_report",
]
