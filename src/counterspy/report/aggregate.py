"""Aggregating targets into suppressed counts: the report's privacy rule in one place.

Targets appear only as counts per country and per phase. A count below ``k`` (the k-anonymity
threshold, default 5) is never printed exactly: countries under ``k`` are folded into one
"other countries" bar, and any count that is still under ``k`` (the folded bar, a phase, a
firm's total) is shown as ``<k``. Zero is printed as 0: it describes nobody.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from counterspy.model import AtRiskCategory, Phase
from counterspy.report.model import Bar, Chart, Count

DEFAULT_K = 5
OTHER = "other"
UNKNOWN_COUNTRY = "unknown"


def country_chart(
    chart_id: str,
    title: str,
    countries: Iterable[str | None],
    *,
    k: int,
    names: Mapping[str, str],
    max_bars: int = 20,
) -> Chart:
    """Targets per country: one country per target (distinct targets in, one code each)."""
    counts = Counter(c if c else UNKNOWN_COUNTRY for c in countries)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [(c, n) for c, n in ranked if n >= k][:max_bars]
    kept = {c for c, _ in shown}
    folded = [(c, n) for c, n in ranked if c not in kept]
    bars = [
        Bar(c, names.get(c, "Unknown country" if c == UNKNOWN_COUNTRY else c), Count.of(n, k))
        for c, n in shown
    ]
    note = ""
    if folded:
        total = sum(n for _, n in folded)
        label = f"Other countries ({len(folded)})"
        bars.append(Bar(OTHER, label, Count.of(total, k)))
        small = sum(1 for _, n in folded if n < k)
        note = (
            f"{len(folded)} countries are combined under “other”"
            + (
                f" (each with fewer than {k} targets)"
                if small == len(folded)
                else f" ({small} of them with fewer than {k} targets each)"
                if small
                else ""
            )
            + "."
        )
    total = sum(counts.values())
    desc = (
        f"Horizontal bar chart of {total:,} targeted accounts by country"
        if total >= k
        else f"Horizontal bar chart of fewer than {k} targeted accounts by country"
    )
    return Chart(chart_id, title, desc + ". " + note if note else desc + ".", tuple(bars), note)


def phase_chart(chart_id: str, title: str, phases: Iterable[str], *, k: int) -> Chart:
    """Targets by the highest phase of the chain they were exposed to."""
    counts = Counter(phases)
    bars = tuple(
        Bar(p.value, p.value.capitalize(), Count.of(counts.get(p.value, 0), k)) for p in Phase
    )
    return Chart(
        chart_id,
        title,
        "Horizontal bar chart of targeted accounts by the furthest phase of the surveillance "
        "chain (reconnaissance, engagement, exploitation) they were exposed to.",
        bars,
    )


SECTOR_LABELS: dict[str, str] = {
    AtRiskCategory.JOURNALIST.value: "Journalists",
    AtRiskCategory.ACTIVIST.value: "Activists",
    AtRiskCategory.HUMAN_RIGHTS_DEFENDER.value: "Human-rights defenders",
    AtRiskCategory.LAWYER.value: "Lawyers",
    AtRiskCategory.POLITICIAN.value: "Politicians",
    AtRiskCategory.FAMILY.value: "Family of people at risk",
}
NO_SECTOR = "none"


def sector_chart(chart_id: str, title: str, sectors: Iterable[str | None], *, k: int) -> Chart:
    """Targets by protection-programme category (the sectors of the issue's privacy rule);
    accounts outside the programme form one bar. Categories are few and broad, so small ones
    are shown as ``<k`` rather than folded."""
    counts = Counter(s if s in SECTOR_LABELS else NO_SECTOR for s in sectors)
    bars = [Bar(key, name, Count.of(counts.get(key, 0), k)) for key, name in SECTOR_LABELS.items()]
    bars.append(Bar(NO_SECTOR, "Outside the programme", Count.of(counts.get(NO_SECTOR, 0), k)))
    return Chart(
        chart_id,
        title,
        "Horizontal bar chart of targeted accounts by the protection programme's category "
        "(journalists, activists, human-rights defenders, lawyers, politicians, family "
        "members), and those outside the programme.",
        tuple(bars),
    )


def highest_phase(phases: Iterable[str]) -> str:
    return max(phases, key=lambda p: Phase(p).rank)
