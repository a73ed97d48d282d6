"""The transparency report: lawful requests per country and half-year, and disruption figures.

The CSV has exactly the columns of Google's public "requests for user information" download,
countries keyed by CLDR territory code (names drift; codes do not). Requests count in the
half-year they were received; "some data produced" means production was recorded for the
request by the time the report is made. Preservation requests carry no percentage.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path

import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy import __version__
from counterspy.errors import CounterspyError
from counterspy.legal.model import LegalProcess
from counterspy.legal.models import LegalRequestRow, RequestAccountRow
from counterspy.legal.policy import LegalPolicy, territory_names
from counterspy.legal.targets import ID_COLUMNS
from counterspy.workspace import Workspace

CSV_COLUMNS = (
    "Period Ending",
    "Country",
    "CLDR Territory Code",
    "Legal Process",
    "User Data Requests",
    "Percentage of requests where some data produced",
    "Users/Accounts Specified",
)
PRESERVATION = "Preservation Requests"
EMERGENCY = "Emergency Disclosure Requests"
# Order rows within a country the way the published report does.
LABEL_ORDER = (
    "Subpoenas",
    "Search Warrants",
    "Other Court Orders",
    "Other Legal Requests",
    EMERGENCY,
    PRESERVATION,
)
_PERIOD_RE = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True)
class Period:
    year: int
    half: int  # 1: January-June, 2: July-December

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD_RE.match(text.strip().upper())
        if m is None:
            raise CounterspyError(f"not a half-year: {text!r}", hint="write it like 2026-H1")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, at: datetime) -> Period:
        return cls(at.year, 1 if at.month <= 6 else 2)

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive end."""
        if self.half == 1:
            return datetime(self.year, 7, 1, tzinfo=UTC)
        return datetime(self.year + 1, 1, 1, tzinfo=UTC)

    @property
    def ending(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)


@dataclass(frozen=True)
class ReportRow:
    period_ending: date
    country_code: str
    country: str
    legal_process: str
    requests: int
    produced: int
    accounts: int

    @property
    def percentage(self) -> int | None:
        return None if self.legal_process == PRESERVATION else percent(self.produced, self.requests)


@dataclass(frozen=True)
class CountrySummary:
    """Meta-style per-country figures: legal process and emergency requests together,
    preservations apart."""

    country_code: str
    country: str
    requests: int
    accounts: int
    percentage: int | None
    emergency: int
    preservation: int
    preserved_accounts: int


@dataclass(frozen=True)
class DisruptionFigures:
    operations: int
    accounts_removed: int
    people_notified: int
    countries: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TransparencyReport:
    period: Period
    rows: tuple[ReportRow, ...]
    countries: tuple[CountrySummary, ...]
    disruption: DisruptionFigures
    generated_at: datetime


def percent(part: int, whole: int) -> int | None:
    """Whole-number percentage, rounded half up; None when there is nothing to divide."""
    if whole == 0:
        return None
    return (200 * part + whole) // (2 * whole)


def _label_rank(label: str) -> int:
    return LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)


def request_rows(session: Session, period: Period, policy: LegalPolicy) -> list[ReportRow]:
    """One row per (country, legal process label) with requests in ``period``."""
    r = LegalRequestRow
    in_period = (r.received_at >= period.start, r.received_at < period.end)
    counts = session.execute(
        select(r.country, r.process, func.count(r.id), func.count(r.produced_at))
        .where(*in_period)
        .group_by(r.country, r.process)
    ).all()
    named = session.execute(
        select(r.country, r.process, func.count(RequestAccountRow.id))
        .join(RequestAccountRow, RequestAccountRow.request_id == r.id)
        .where(*in_period)
        .group_by(r.country, r.process)
    ).all()
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for country, process, n, produced in counts:
        key = (country, policy.label(LegalProcess(process), country))
        totals[key][0] += n
        totals[key][1] += produced
    for country, process, n_accounts in named:
        totals[(country, policy.label(LegalProcess(process), country))][2] += n_accounts
    names = territory_names()
    rows = [
        ReportRow(period.ending, cc, names.get(cc, cc), label, n, produced, accounts)
        for (cc, label), (n, produced, accounts) in totals.items()
    ]
    rows.sort(key=lambda x: (x.country, _label_rank(x.legal_process), x.legal_process))
    return rows


def summarise(rows: list[ReportRow]) -> tuple[CountrySummary, ...]:
    by_country: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        by_country[row.country_code].append(row)
    out = []
    for cc, group in by_country.items():
        legal = [g for g in group if g.legal_process != PRESERVATION]
        pres = [g for g in group if g.legal_process == PRESERVATION]
        n = sum(g.requests for g in legal)
        out.append(
            CountrySummary(
                country_code=cc,
                country=group[0].country,
                requests=n,
                accounts=sum(g.accounts for g in legal),
                percentage=percent(sum(g.produced for g in legal), n),
                emergency=sum(g.requests for g in group if g.legal_process == EMERGENCY),
                preservation=sum(g.requests for g in pres),
                preserved_accounts=sum(g.accounts for g in pres),
            )
        )
    return tuple(sorted(out, key=lambda c: c.country))


def _read(files: list[Path], notes: list[str]) -> pa.Table | None:
    try:
        return pq.read_table(files)
    except (OSError, pa.ArrowException) as exc:
        # A public page must not fail on a half-written results folder: say so instead.
        notes.append(f"Could not read {files[0].parent.name} results ({type(exc).__name__}).")
        return None


def _distinct(table: pa.Table | None, column: str | None) -> int:
    if table is None or column is None or column not in table.column_names:
        return 0
    return len(pc.unique(table.column(column).drop_null()))


def disruption_figures(workspace: Workspace) -> DisruptionFigures:
    """Aggregates of the workspace's detection results; never anything about one person."""
    notes: list[str] = []
    ops_files = sorted(workspace.result_dir("operations").glob("*.parquet"))
    operations = accounts = 0
    if ops_files:
        ops = _read(ops_files, notes)
        operations = _distinct(ops, "operation_id")
        if ops is not None and "n_accounts" in ops.column_names:
            accounts = int(pc.sum(ops.column("n_accounts")).as_py() or 0)
    else:
        notes.append(
            "No operations in this workspace's results yet: operations and accounts are 0."
        )
    tgt_files = sorted(workspace.result_dir("targets").glob("*.parquet"))
    people = countries = 0
    if tgt_files:
        tgt = _read(tgt_files, notes)
        names = tgt.column_names if tgt is not None else []
        people = _distinct(tgt, next((c for c in ID_COLUMNS if c in names), None))
        countries = _distinct(tgt, "country")
    else:
        notes.append("No target list in this workspace's results yet: people and countries are 0.")
    return DisruptionFigures(operations, accounts, people, countries, tuple(notes))


def build_report(
    session: Session, period: Period, policy: LegalPolicy, workspace: Workspace | None
) -> TransparencyReport:
    rows = request_rows(session, period, policy)
    empty = DisruptionFigures(0, 0, 0, 0, ("No workspace given: disruption figures are 0.",))
    return TransparencyReport(
        period=period,
        rows=tuple(rows),
        countries=summarise(rows),
        disruption=disruption_figures(workspace) if workspace is not None else empty,
        generated_at=datetime.now(UTC),
    )


def render_csv(report: TransparencyReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        pct = r.percentage
        writer.writerow(
            [
                r.period_ending.isoformat(),
                r.country,
                r.country_code,
                r.legal_process,
                r.requests,
                "" if pct is None else pct,
                r.accounts,
            ]
        )
    return buf.getvalue()


_env = jinja2.Environment(
    loader=jinja2.FunctionLoader(
        lambda name: (files("counterspy.legal") / "templates" / name).read_text("utf-8")
    ),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render_template(name: str, **context: object) -> str:
    return _env.get_template(name).render(**context)


def render_html(report: TransparencyReport) -> str:
    totals = {
        "requests": sum(c.requests for c in report.countries),
        "accounts": sum(c.accounts for c in report.countries),
        "emergency": sum(c.emergency for c in report.countries),
        "preservation": sum(c.preservation for c in report.countries),
        "percentage": percent(
            sum(r.produced for r in report.rows if r.legal_process != PRESERVATION),
            sum(c.requests for c in report.countries),
        ),
    }
    return render_template(
        "transparency.html.j2", report=report, totals=totals, version=__version__
    )
