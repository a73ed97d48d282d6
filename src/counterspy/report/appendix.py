"""The indicator appendix: infrastructure tied to the report's operations, TLP-gated.

Two provenances feed it:

* **our detections** — bad link domains that a detected operation's accounts sent. Their level
  comes from :func:`counterspy.share.tlp_policy.own_domain_level` (CLEAR only once blocked);
* **imported indicators** (active) whose actor names a firm with a section in the report, or
  whose value is one of those domains. Their level comes from the source's TLP policy.

One row per (type, value). A row is published when at least one provenance is cleared for the
edition; its comment and date then come only from cleared provenances. Everything else is
counted as withheld, never listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from counterspy.intel.models import Indicator
from counterspy.report.enforcement import EnforcementState
from counterspy.report.links import LinkUse
from counterspy.report.model import IndicatorRow
from counterspy.share.tlp import Tlp
from counterspy.share.tlp_policy import TlpPolicy, own_domain_level


@dataclass(frozen=True)
class _Provenance:
    kind: str
    value: str
    comment: str
    ds: date | None
    tlp: Tlp


def _imported(
    session: Session, actor_firm: Mapping[str, str], domains: frozenset[str]
) -> list[Indicator]:
    conds = []
    if actor_firm:
        conds.append(func.lower(Indicator.actor).in_(sorted(actor_firm)))
    if domains:
        conds.append(Indicator.normalized.in_(sorted(domains)))
        conds.append(Indicator.registrable.in_(sorted(domains)))
    if not conds:
        return []
    stmt = (
        select(Indicator)
        .where(Indicator.active.is_(True), or_(*conds))
        .order_by(Indicator.type, Indicator.normalized, Indicator.source)
    )
    return list(session.scalars(stmt))


def _lookalike(reason: str) -> str:
    head = reason.split(",", 1)[0].strip()
    return head if head.startswith("lookalike of ") else ""


def build_appendix(
    session: Session,
    *,
    edition: Tlp,
    policy: TlpPolicy,
    bad_domains: pd.DataFrame,
    uses: tuple[LinkUse, ...],
    section_of_operation: Mapping[str, str],
    names: Mapping[str, str],
    actor_firm: Mapping[str, str],
    state: EnforcementState,
) -> tuple[tuple[IndicatorRow, ...], int]:
    """Rows cleared for ``edition`` and the number of indicators withheld."""
    used: dict[str, tuple[set[str], date]] = {}
    for u in uses:
        sections, first = used.get(u.domain, (set(), u.first))
        sections.add(section_of_operation[u.operation_id])
        used[u.domain] = (sections, min(first, u.first))
    domains = frozenset(used)
    imported = _imported(session, actor_firm, domains)
    by_domain: dict[str, list[Tlp]] = {}
    provs: list[_Provenance] = []
    for ind in imported:
        level = policy.indicator_level(ind.tlp, ind.source)
        for key in {ind.normalized, ind.registrable or ""} & domains:
            by_domain.setdefault(key, []).append(level)
        firm = actor_firm.get((ind.actor or "").lower())
        who = names.get(firm, ind.actor or "") if firm else (ind.actor or "")
        comment = f"{who}; source: {ind.source}" if who else f"source: {ind.source}"
        ds = (ind.published or "")[:10] or None
        provs.append(
            _Provenance(
                ind.type,
                ind.normalized,
                comment,
                date.fromisoformat(ds) if ds else ind.first_seen.date(),
                level,
            )
        )
    info = {str(r.domain): r for r in bad_domains.itertuples(index=False)}
    for domain, (sections, first) in sorted(used.items()):
        row = info[domain]
        blocked = state.is_blocked(domain)
        level = own_domain_level(
            blocked=blocked,
            from_indicator=isinstance(row.actor, str) and bool(row.actor),
            indicator_levels=tuple(by_domain.get(domain, ())),
        )
        who = ", ".join(sorted(names.get(s, s) for s in sections))
        what = _lookalike(str(row.reason))
        parts = [who, f"{row.label} link domain sent by operator accounts"]
        parts += [what] if what else []
        parts += ["blocked"] if blocked else []
        provs.append(_Provenance("domain", domain, "; ".join(parts), first, level))
    merged: dict[tuple[str, str], list[_Provenance]] = {}
    for p in provs:
        merged.setdefault((p.kind, p.value), []).append(p)
    rows: list[IndicatorRow] = []
    withheld = 0
    for (kind, value), group in sorted(merged.items()):
        cleared = [p for p in group if edition.allows(p.tlp)]
        if not cleared:
            withheld += 1
            continue
        days = [p.ds for p in cleared if p.ds is not None]
        rows.append(
            IndicatorRow(
                indicator_type=kind,
                indicator_value=value,
                comment=" | ".join(dict.fromkeys(p.comment for p in cleared)),
                ds=min(days).isoformat() if days else "",
                tlp=min((p.tlp for p in cleared), key=lambda t: t.rank),
            )
        )
    return tuple(rows), withheld
