"""The threat report as data: frozen dataclasses built by :mod:`counterspy.report.build` and
rendered by :mod:`counterspy.report.render`.

Nothing in here names a person. Targets appear only as counts (per country, per phase), and
counts below the report's k-anonymity threshold are shown as ``<k`` (see :class:`Count`).
Operator accounts appear only as counts too: an operator account may be a real person's
hijacked account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counterspy.share.tlp import Tlp


@dataclass(frozen=True)
class Count:
    """A number about people, suppressed below ``k`` (shown as ``<k``) when ``suppressed``."""

    value: int
    k: int
    suppressed: bool

    @classmethod
    def of(cls, value: int, k: int) -> Count:
        return cls(value, k, 0 < value < k)

    @property
    def text(self) -> str:
        return f"<{self.k}" if self.suppressed else f"{self.value:,}"

    @property
    def shown(self) -> int | None:
        """The exact value, or None when suppressed."""
        return None if self.suppressed else self.value


@dataclass(frozen=True)
class Bar:
    """One labelled count of a chart and of its text-alternative table."""

    key: str  # ISO country code, phase name or "other"
    label: str
    count: Count


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    other_note: str = ""  # how small groups were folded, if any


@dataclass(frozen=True)
class Behaviour:
    """A behaviour observed on the firm's operator accounts, from fired detection signals."""

    phase: str
    signal: str
    sentence: str
    accounts: int  # operator accounts on which the signal fired
    share: float  # of the section's operator accounts


@dataclass(frozen=True)
class Infrastructure:
    bad_domains: int  # judged-bad link domains its operators sent
    blocked_domains: int  # of those, blocked by enforcement
    imitated_kinds: tuple[tuple[str, int], ...]  # e.g. ("lookalike of gmail", 3) – reasons
    links_sent: int


@dataclass(frozen=True)
class Section:
    """One firm (or the unattributed operations): the report's main unit."""

    key: str  # FirmId value or "unattributed"
    name: str
    base: str | None  # ISO country of the firm, when known
    profile: str  # public background from the firm profile ("" for unattributed)
    reported_phases: tuple[str, ...]
    observed_phases: tuple[str, ...]
    operations: int
    accounts_detected: int
    accounts_removed: int  # disabled on the platform and acknowledged
    accounts_pending: int  # removal approved, not yet acknowledged
    targets: Count
    targets_by_phase: Chart
    targets_by_country: Chart
    targets_by_sector: Chart
    countries: int  # distinct target countries (a count of countries, not of people)
    behaviours: tuple[Behaviour, ...]
    infrastructure: Infrastructure
    confidence: tuple[float, float]  # lowest and highest attribution confidence


@dataclass(frozen=True)
class IndicatorRow:
    """One appendix row in Meta's indicator CSV layout."""

    indicator_type: str  # domain | url | ip | ...
    indicator_value: str
    comment: str
    ds: str  # date the indicator was observed or published (YYYY-MM-DD)
    tlp: Tlp


@dataclass(frozen=True)
class Totals:
    firms: int
    operations: int
    accounts_detected: int
    accounts_removed: int
    accounts_pending: int
    accounts_removed_outside: int  # removed accounts not in any detected operation
    targets: Count
    countries: int
    bad_domains: int
    blocked_domains: int
    indicators: int


@dataclass(frozen=True)
class ThreatReport:
    title: str
    tlp: Tlp
    k_min: int
    period_start: date | None
    period_end: date | None
    generated: date | None
    summary: str
    totals: Totals
    sections: tuple[Section, ...]  # attributed firms, largest first
    unattributed: Section | None
    targets_by_country: Chart
    targets_by_phase: Chart
    targets_by_sector: Chart
    methodology: tuple[str, ...]
    limitations: tuple[str, ...]
    indicators: tuple[IndicatorRow, ...]
    withheld_indicators: int  # indicators above the edition's TLP level, left out
