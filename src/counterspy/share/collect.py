"""Building :class:`Findings` from a workspace's detection results and the operational store.

Targets leave only as counts per operation and country / at-risk category. Groups smaller than
``k`` (default 5) are pooled into one ``other`` bucket per operation and dimension; a pooled
bucket still smaller than ``k`` is suppressed, so no exported number describes fewer than ``k``
people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

import duckdb
import pandas as pd
from sqlalchemy import select

from counterspy.attribute.profiles import FirmProfile, load_profiles
from counterspy.detect.results import RESULT_TABLES, read_result
from counterspy.enforce.entities import AliasKind, BannedEntity, load_seed
from counterspy.infra.urls import parse_url
from counterspy.intel.models import Indicator
from counterspy.model.firms import UNATTRIBUTED
from counterspy.share.findings import (
    OTHER,
    Findings,
    Firm,
    IndicatorFinding,
    Operation,
    Producer,
    Sighting,
    TargetAggregate,
    data_time,
)
from counterspy.share.tlp import Tlp
from counterspy.share.tlp_policy import TlpPolicy, load_policy
from counterspy.storage.db import Store
from counterspy.workspace import Workspace

DEFAULT_K = 5
DETECTION_SOURCE = "counterspy-detect"

# Spyware publicly attributed to an actor (Citizen Lab / Amnesty, Dec 2021 and Jul 2021).
SPYWARE: dict[str, tuple[str, ...]] = {"cytrox": ("Predator",), "nso_group": ("Pegasus",)}
# Actors that indicator feeds name but that are not among Meta's seven firms.
OTHER_ACTORS: dict[str, tuple[str, str, str]] = {
    "nso_group": ("NSO Group", "IL", "Israeli vendor of the Pegasus spyware."),
}


@dataclass(frozen=True)
class CollectOptions:
    default_tlp: Tlp = Tlp.AMBER  # for anything without a TLP of its own
    k: int = DEFAULT_K
    producer: Producer = field(default_factory=Producer)
    title: str = "counterspy findings"
    include_results: bool = True
    include_store: bool = True


def _legal_entities(entities: Iterable[BannedEntity]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for e in entities:
        key = e.firm.value if e.firm else e.id
        names = [a.name for a in e.aliases if a.kind is AliasKind.LEGAL]
        out.setdefault(key, []).extend(names)
    return {k: tuple(sorted(set(v))) for k, v in out.items()}


@lru_cache(maxsize=1)
def _firm_facts() -> tuple[dict[str, FirmProfile], dict[str, tuple[str, ...]]]:
    return {p.firm: p for p in load_profiles()}, _legal_entities(load_seed().entities)


def firms_for(actors: Iterable[str]) -> tuple[Firm, ...]:
    """Firm records (public facts, bundled) for the actors the findings mention."""
    profiles, legal = _firm_facts()
    out = []
    for actor in sorted(set(actors)):
        if actor in profiles:
            p = profiles[actor]
            name, country, summary = p.name, p.base, " ".join(p.summary.split())
        elif actor in OTHER_ACTORS:
            name, country, summary = OTHER_ACTORS[actor]
        else:
            continue
        out.append(
            Firm(actor, name, country, summary, legal.get(actor, ()), SPYWARE.get(actor, ()))
        )
    return tuple(out)


def _ts(value: object) -> datetime | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).to_pydatetime()  # type: ignore[arg-type]


def _operations(ops: pd.DataFrame, targets: pd.DataFrame, tlp: Tlp) -> tuple[Operation, ...]:
    span = targets.groupby("operation_id").agg(
        first=("first_seen", "min"), last=("last_seen", "max")
    )
    out = []
    for r in ops.to_dict("records"):
        op_id = str(r["operation_id"])
        first = _ts(span.at[op_id, "first"]) if op_id in span.index else None
        last = _ts(span.at[op_id, "last"]) if op_id in span.index else None
        firm = None if r["firm"] == UNATTRIBUTED else str(r["firm"])
        phases = tuple(p for p in str(r["phases"]).split(",") if p)
        out.append(
            Operation(
                op_id,
                firm,
                float(r["confidence"]),
                str(r["rationale"]),
                int(r["n_accounts"]),
                int(r["n_targets"]),
                phases,
                first,
                last,
                tlp,
            )
        )
    return tuple(out)


def k_anonymous(counts: Counter[str], k: int) -> list[tuple[str, int]]:
    """Groups of at least ``k``; smaller ones pooled as ``other`` (dropped if still < k)."""
    kept = sorted((key, n) for key, n in counts.items() if n >= k)
    pooled = sum(n for n in counts.values() if n < k)
    if pooled >= k:
        kept.append((OTHER, pooled))
    return kept


def _target_categories(ws: Workspace, target_ids: Sequence[str]) -> dict[str, str]:
    files = [str(p) for p in ws.table_files("accounts")]
    if not files or not target_ids:
        return {}
    con = duckdb.connect()
    try:
        con.register("wanted", pd.DataFrame({"account_id": list(target_ids)}))
        rows = con.execute(
            "SELECT a.account_id, a.at_risk FROM read_parquet(?) a "
            "JOIN wanted w USING (account_id) WHERE a.at_risk IS NOT NULL",
            [files],
        ).fetchall()
    finally:
        con.close()
    return {str(a): str(c) for a, c in rows}


def _aggregates(
    ws: Workspace, targets: pd.DataFrame, k: int, tlp: Tlp
) -> tuple[TargetAggregate, ...]:
    cats = _target_categories(ws, sorted(set(targets["target_id"])))
    out: list[TargetAggregate] = []
    for op_id, group in sorted(targets.groupby("operation_id"), key=lambda g: str(g[0])):
        people = group.drop_duplicates("target_id")
        countries = Counter(str(c) for c in people["country"] if isinstance(c, str) and c)
        categories = Counter(cats[t] for t in people["target_id"] if t in cats)
        for dim, counts in (("country", countries), ("category", categories)):
            for key, n in k_anonymous(counts, k):
                out.append(TargetAggregate(str(op_id), dim, key, n, tlp))
    return tuple(out)


def _link_uses(ws: Workspace, accounts: pd.DataFrame) -> pd.DataFrame:
    """(url, operation_id, ts) of every link an operator account shared."""
    files = [str(p) for p in ws.table_files("events")]
    ops = accounts[accounts["flagged"] & accounts["operation_id"].notna()]
    if not files or ops.empty:
        return pd.DataFrame({"url": [], "operation_id": [], "ts": []})
    con = duckdb.connect()
    try:
        con.register("ops", ops[["account_id", "operation_id"]].astype(str))
        rows = con.execute(
            "SELECT e.url, o.operation_id, e.ts FROM read_parquet(?) e "
            "JOIN ops o ON e.actor_id = o.account_id WHERE e.url IS NOT NULL",
            [files],
        ).fetchall()
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["url", "operation_id", "ts"])


def _detected_indicators(
    ws: Workspace, bad: pd.DataFrame, accounts: pd.DataFrame, tlp: Tlp
) -> tuple[list[IndicatorFinding], list[Sighting]]:
    uses = _link_uses(ws, accounts)
    uses["domain"] = [parse_url(str(u)).host for u in uses["url"]]
    bad_set = set(bad["domain"].astype(str))
    uses = uses[uses["domain"].isin(bad_set)]
    sightings: list[Sighting] = []
    ops_of: dict[str, list[str]] = {}
    for (domain, op), g in uses.groupby(["domain", "operation_id"]):
        ops_of.setdefault(str(domain), []).append(str(op))
        first, last = _ts(g["ts"].min()), _ts(g["ts"].max())
        if first is None or last is None:
            continue
        sightings.append(Sighting(("domain", str(domain)), str(op), len(g), first, last, tlp))
    inds = [
        IndicatorFinding(
            kind="domain",
            value=str(r.domain),
            tlp=tlp,
            source=DETECTION_SOURCE,
            actor=str(r.actor) if isinstance(r.actor, str) and r.actor else None,
            comment=f"{r.label}: {r.reason}",
            operations=tuple(sorted(ops_of.get(str(r.domain), []))),
        )
        for r in bad.itertuples(index=False)
    ]
    return inds, sightings


def collapse(indicators: Iterable[IndicatorFinding]) -> tuple[IndicatorFinding, ...]:
    """One finding per (type, value): the first source by name, the most restrictive TLP."""
    best: dict[tuple[str, str], IndicatorFinding] = {}
    for ind in sorted(indicators, key=lambda i: (i.key, i.source)):
        old = best.get(ind.key)
        if old is None:
            best[ind.key] = ind
        elif ind.tlp.rank > old.tlp.rank:
            best[ind.key] = replace(old, tlp=ind.tlp)
    return tuple(best.values())


def stored_indicators(
    store: Store, default_tlp: Tlp, policy: TlpPolicy | None = None
) -> tuple[IndicatorFinding, ...]:
    """Active indicators of the intel store (see :func:`collapse` for repeated values).

    Level: the indicator's own marking, else the source rule of ``policy`` (the same per-source
    policy the threat report uses), else ``default_tlp``.
    """
    rules = policy or TlpPolicy((), default_tlp)
    with store.session() as s:
        rows = s.scalars(select(Indicator).where(Indicator.active))
        return collapse(
            IndicatorFinding(
                kind=r.type,
                value=r.normalized,
                tlp=rules.indicator_level(r.tlp, r.source, default_tlp),
                source=r.source,
                observable=r.observable,
                published=r.published,
                actor=r.actor,
                comment=r.comment,
            )
            for r in rows
        )


def merge_indicators(
    stored: Iterable[IndicatorFinding], detected: Iterable[IndicatorFinding]
) -> tuple[IndicatorFinding, ...]:
    """Detected domains gain the provenance of a stored indicator with the same value."""
    out = {i.key: i for i in stored}
    for d in detected:
        old = out.get(d.key)
        if old is None:
            out[d.key] = d
        else:
            level = max(old.tlp, d.tlp, key=lambda t: t.rank)
            out[d.key] = replace(old, tlp=level, operations=d.operations)
    return tuple(sorted(out.values(), key=lambda i: i.key))


def collect_findings(
    ws: Workspace, store: Store | None, options: CollectOptions = CollectOptions()
) -> Findings:
    """Everything shareable in one workspace (detection results) and store (indicators)."""
    tlp = options.default_tlp
    operations: tuple[Operation, ...] = ()
    aggregates: tuple[TargetAggregate, ...] = ()
    detected: list[IndicatorFinding] = []
    sightings: list[Sighting] = []
    has_results = all(ws.result_dir(n).is_dir() for n in RESULT_TABLES)
    if options.include_results and has_results:
        targets = read_result(ws, "targets")
        operations = _operations(read_result(ws, "operations"), targets, tlp)
        aggregates = _aggregates(ws, targets, options.k, tlp)
        detected, sightings = _detected_indicators(
            ws, read_result(ws, "bad_domains"), read_result(ws, "accounts"), tlp
        )
    stored: tuple[IndicatorFinding, ...] = ()
    if store is not None and options.include_store:
        stored = stored_indicators(store, tlp, load_policy(ws))
    indicators = merge_indicators(stored, detected)
    actors = [o.firm for o in operations if o.firm] + [i.actor for i in indicators if i.actor]
    return Findings(
        producer=options.producer,
        as_of=data_time(operations, indicators),
        firms=firms_for(actors),
        operations=operations,
        indicators=indicators,
        sightings=tuple(sorted(sightings, key=lambda s: (s.indicator, s.operation))),
        aggregates=aggregates,
        title=options.title,
        k=options.k,
    )
