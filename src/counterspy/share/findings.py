"""What counterspy shares, independent of any exchange format.

A :class:`Findings` holds firms (with their legal entities and spyware), detected operations
with their attribution, indicators with provenance and TLP, sightings of indicators on our
platform, and target aggregates (counts per country and at-risk category, never people). One
function builds it from a workspace and store (:mod:`counterspy.share.collect`); one writer
per format turns it into bytes (:mod:`counterspy.share.writers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from counterspy.share.tlp import Tlp

# Fallback time stamp when the data carries none (so exports stay byte-identical; never now()).
EPOCH = datetime(2021, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Producer:
    """Who publishes the export (the STIX ``created_by_ref`` identity)."""

    name: str = "counterspy"
    identity_class: str = "organization"


@dataclass(frozen=True)
class Firm:
    """A surveillance-for-hire firm or other named actor (a STIX ``threat-actor``)."""

    id: str  # FirmId slug or another stable actor key (e.g. nso_group)
    name: str
    country: str | None
    summary: str
    legal_entities: tuple[str, ...] = ()
    malware: tuple[str, ...] = ()  # spyware families publicly attributed to the firm


@dataclass(frozen=True)
class Operation:
    """A detected operation (a STIX ``intrusion-set``) with its attribution."""

    id: str
    firm: str | None  # None: unattributed
    confidence: float
    rationale: str
    n_accounts: int
    n_targets: int
    phases: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    tlp: Tlp


@dataclass(frozen=True)
class IndicatorFinding:
    """One indicator with its provenance. ``kind`` is counterspy's canonical type
    (``counterspy.intel.values``); ``observable`` the STIX object path as published where the
    canonical type is ambiguous (``file:path`` vs ``file:name``, ``configuration-profile:id``)."""

    kind: str
    value: str
    tlp: Tlp
    source: str
    observable: str | None = None
    published: str | None = None  # YYYY-MM-DD
    actor: str | None = None
    comment: str | None = None
    operations: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)


@dataclass(frozen=True)
class Sighting:
    """Our platform saw an indicator used by an operation ``count`` times."""

    indicator: tuple[str, str]  # IndicatorFinding.key
    operation: str
    count: int
    first_seen: datetime
    last_seen: datetime
    tlp: Tlp


@dataclass(frozen=True)
class TargetAggregate:
    """How many distinct targets of one operation share a country or an at-risk category.

    ``key`` is ``OTHER`` for the bucket of groups below the k-anonymity threshold.
    """

    operation: str
    dimension: str  # "country" | "category"
    key: str
    count: int
    tlp: Tlp


OTHER = "other"


@dataclass(frozen=True)
class Findings:
    producer: Producer
    as_of: datetime
    firms: tuple[Firm, ...] = ()
    operations: tuple[Operation, ...] = ()
    indicators: tuple[IndicatorFinding, ...] = ()
    sightings: tuple[Sighting, ...] = ()
    aggregates: tuple[TargetAggregate, ...] = ()
    title: str = "counterspy findings"
    k: int = 5  # smallest number of people any exported count may describe

    def people(self, n: int) -> str:
        """A count of people as it may be shared: exact from ``k`` up."""
        return str(n) if n >= self.k else f"fewer than {self.k}"

    def firm(self, firm_id: str) -> Firm | None:
        return next((f for f in self.firms if f.id == firm_id), None)


@dataclass(frozen=True)
class GateResult:
    findings: Findings
    dropped: tuple[tuple[str, int], ...]  # (kind of object, how many) held back by the gate

    @property
    def total_dropped(self) -> int:
        return sum(n for _, n in self.dropped)


def apply_gate(findings: Findings, ceiling: Tlp) -> GateResult:
    """Hold back everything marked above ``ceiling``.

    An operation above the ceiling takes its sightings and aggregates with it; a sighting also
    goes when its indicator does. Firms are public facts (TLP:CLEAR) but leave only when
    something that passed mentions them.
    """
    ops = tuple(o for o in findings.operations if ceiling.allows(o.tlp))
    op_ids = {o.id for o in ops}
    inds = tuple(i for i in findings.indicators if ceiling.allows(i.tlp))
    ind_keys = {i.key for i in inds}
    sights = tuple(
        s
        for s in findings.sightings
        if ceiling.allows(s.tlp) and s.operation in op_ids and s.indicator in ind_keys
    )
    aggs = tuple(a for a in findings.aggregates if ceiling.allows(a.tlp) and a.operation in op_ids)
    inds = tuple(replace(i, operations=tuple(o for o in i.operations if o in op_ids)) for i in inds)
    dropped = (
        ("operations", len(findings.operations) - len(ops)),
        ("indicators", len(findings.indicators) - len(inds)),
        ("sightings", len(findings.sightings) - len(sights)),
        ("target aggregates", len(findings.aggregates) - len(aggs)),
    )
    dropped = (
        ("operations", len(findings.operations) - len(ops)),
        ("indicators", len(findings.indicators) - len(inds)),
        ("sightings", len(findings.sightings) - len(sights)),
        ("target aggregates", len(findings.aggregates) - len(aggs)),
    )
    # A firm only the held-back objects mention would itself say too much: it goes as well.
    named = {o.firm for o in ops} | {i.actor for i in inds}
    firms = tuple(f for f in findings.firms if f.id in named)
    gated = replace(
        findings,
        firms=firms,
        operations=ops,
        indicators=inds,
        sightings=sights,
        aggregates=aggs,
    )
    gated = restrict(replace(findings, operations=ops, sightings=sights, aggregates=aggs), inds)
    return GateResult(gated, tuple((k, n) for k, n in dropped if n))


def data_time(operations: Iterable[Operation], indicators: Iterable[IndicatorFinding]) -> datetime:
    """Latest time stamp the data itself carries (so exports never depend on the clock)."""
    stamps = [o.last_seen for o in operations if o.last_seen is not None]
    for i in indicators:
        if i.published:
            try:
                stamps.append(datetime.fromisoformat(i.published[:10]).replace(tzinfo=UTC))
            except ValueError:
                continue
    return max(stamps, default=EPOCH)


def restrict(findings: Findings, indicators: Iterable[IndicatorFinding]) -> Findings:
    """``findings`` with only ``indicators``; sightings of others, firms nothing left mentions
    (a firm named only by held-back objects would itself say too much) and the time stamp
    follow, so what a file holds alone decides its bytes."""
    inds = tuple(indicators)
    keys = {i.key for i in inds}
    sights = tuple(s for s in findings.sightings if s.indicator in keys)
    named = {o.firm for o in findings.operations} | {i.actor for i in inds}
    return replace(
        findings,
        firms=tuple(f for f in findings.firms if f.id in named),
        indicators=inds,
        sightings=sights,
        as_of=data_time(findings.operations, inds),
    )
