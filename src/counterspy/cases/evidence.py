"""Evidence snapshots of detected operations, read from a workspace's detection results.

Per operation: attribution (firm, confidence, rationale), phases, a targets summary (counts by
phase and country, never identities), the operator accounts with their signals (values,
thresholds, windows, explanations) and a role, and the infrastructure they used: bad domains
they linked to and IP addresses shared by two or more of them but by few accounts overall
(a carrier NAT or VPN exit is never listed). Infrastructure needs the loaded events; without
them the list is empty.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from counterspy.analytics.engine import connect, fetch
from counterspy.analytics.tables import load_tables
from counterspy.detect.base import url_domain
from counterspy.detect.coordination import SharedInfrastructure
from counterspy.detect.results import SignalRow, read_result, signals_by_account
from counterspy.model import Phase
from counterspy.workspace import Workspace

Json = Any  # JSON-ready values of an evidence snapshot


def canonical(value: Json) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Json) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AccountEvidence:
    account_id: str
    operation_id: str
    score: float
    role: str  # highest phase of the chain its signals reached; "coordinated" if none
    phases: tuple[str, ...]
    signals: tuple[SignalRow, ...]

    def to_json(self) -> dict[str, Json]:
        return {
            "score": round(self.score, 4),
            "role": self.role,
            "phases": list(self.phases),
            "signals": [s.to_json() for s in self.signals],
        }


@dataclass(frozen=True)
class InfraEvidence:
    kind: str  # domain | ip
    value: str
    accounts: tuple[str, ...]
    events: int
    label: str  # malicious | suspicious (domains) or "shared" (IPs)
    reason: str

    def to_json(self) -> dict[str, Json]:
        return {
            "accounts": list(self.accounts),
            "events": self.events,
            "label": self.label,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class OperationEvidence:
    operation_id: str
    firm: str
    confidence: float
    rationale: str
    phases: tuple[str, ...]
    n_accounts: int
    targets_total: int
    targets_at_risk: int
    targets_by_phase: dict[str, int] = field(default_factory=dict)
    targets_by_country: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Json]:
        return {
            "operation_id": self.operation_id,
            "firm": self.firm,
            "confidence": round(self.confidence, 4),
            "rationale": self.rationale,
            "phases": list(self.phases),
            "n_accounts": self.n_accounts,
            "targets": {
                "total": self.targets_total,
                "at_risk": self.targets_at_risk,
                "by_phase": dict(sorted(self.targets_by_phase.items())),
                "by_country": dict(sorted(self.targets_by_country.items())),
            },
        }


@dataclass(frozen=True)
class DetectedOperation:
    operation: OperationEvidence
    accounts: tuple[AccountEvidence, ...]
    infrastructure: tuple[InfraEvidence, ...]


def _role(phases: set[str]) -> str:
    ranked = [p for p in Phase if p.value in phases]
    return max(ranked, key=lambda p: p.rank).value if ranked else "coordinated"


def _signals(ws: Workspace, accounts: set[str]) -> dict[str, list[SignalRow]]:
    frame = read_result(ws, "signals")
    frame = frame[frame["account_id"].isin(accounts)]
    return signals_by_account(frame.sort_values(["account_id", "phase", "detector", "signal"]))


def _targets(ws: Workspace) -> dict[str, pd.DataFrame]:
    frame = read_result(ws, "targets")
    return {str(k): g for k, g in frame.groupby("operation_id")}


def _infrastructure(
    ws: Workspace, membership: dict[str, str], limits: SharedInfrastructure
) -> dict[str, list[InfraEvidence]]:
    """Bad domains linked to and rarely shared IPs, per operation (empty without loads)."""
    if not membership or not ws.table_files("events"):
        return {}
    con = connect("duckdb", threads=1)
    events = load_tables(con, ws).events
    ours = events.filter(events.actor_id.isin(list(membership)))
    bad = read_result(ws, "bad_domains")
    out: dict[str, list[InfraEvidence]] = defaultdict(list)
    if len(bad):
        bad_t = ibis.memtable(bad[["domain", "label", "reason"]].astype("object"))
        linked = ours.filter(ours.url.notnull()).mutate(domain=url_domain(ours.url))
        linked = linked.inner_join(bad_t, linked.domain == bad_t.domain)
        rows = fetch(
            linked.group_by(["actor_id", "domain", "label", "reason"]).aggregate(n=linked.count())
        )
        _collect(out, rows, membership, "domain", "domain")
    used = ours.filter(ours.ip.notnull()).select("actor_id", "ip")
    popular = events.filter(events.ip.isin(used.select("ip").distinct().ip))
    counts = popular.group_by("ip").aggregate(k=popular.actor_id.nunique())
    counts = counts.filter(counts.k <= limits.max_accounts_per_ip)
    joined = used.inner_join(counts, "ip")
    rows = fetch(joined.group_by(["actor_id", "ip", "k"]).aggregate(n=joined.count()))
    rows["label"] = "shared"
    rows["reason"] = rows["k"].map(lambda k: f"used by {k} accounts in all")
    _collect(out, rows, membership, "ip", "ip", min_accounts=2)
    con.disconnect()
    return out


def _collect(
    out: dict[str, list[InfraEvidence]],
    rows: pd.DataFrame,
    membership: dict[str, str],
    kind: str,
    column: str,
    min_accounts: int = 1,
) -> None:
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in rows.itertuples():
        grouped[(membership[str(r.actor_id)], str(getattr(r, column)))].append(r)
    for (op, value), items in sorted(grouped.items()):
        accounts = tuple(sorted({str(i.actor_id) for i in items}))
        if len(accounts) < min_accounts:
            continue
        out[op].append(
            InfraEvidence(
                kind=kind,
                value=value,
                accounts=accounts,
                events=int(sum(int(i.n) for i in items)),
                label=str(items[0].label),
                reason=str(items[0].reason),
            )
        )


def read_detection(
    ws: Workspace, limits: SharedInfrastructure | None = None
) -> list[DetectedOperation]:
    """Every detected operation of the workspace's latest detection run, with its evidence."""
    ops = read_result(ws, "operations")
    accounts = read_result(ws, "accounts")
    flagged = accounts[accounts["flagged"].fillna(False).astype(bool)]
    flagged = flagged[flagged["operation_id"].notna()]
    membership = {
        str(a): str(o) for a, o in zip(flagged.account_id, flagged.operation_id, strict=True)
    }
    signals = _signals(ws, set(membership))
    targets = _targets(ws)
    infra = _infrastructure(ws, membership, limits or SharedInfrastructure())
    by_op: dict[str, list[AccountEvidence]] = defaultdict(list)
    for r in flagged.sort_values("account_id").to_dict("records"):
        sig = tuple(signals.get(str(r["account_id"]), ()))
        phases = {s.phase for s in sig}
        by_op[str(r["operation_id"])].append(
            AccountEvidence(
                account_id=str(r["account_id"]),
                operation_id=str(r["operation_id"]),
                score=float(r["score"]),
                role=_role(phases),
                phases=tuple(sorted(phases)),
                signals=sig,
            )
        )
    found: list[DetectedOperation] = []
    for r in ops.sort_values("operation_id").to_dict("records"):
        op_id = str(r["operation_id"])
        t = targets.get(op_id)
        by_phase: Counter[str] = Counter()
        by_country: Counter[str] = Counter()
        at_risk = 0
        if t is not None:
            by_phase.update(str(p) for p in t["phase"])
            by_country.update(str(c) if isinstance(c, str) and c else "??" for c in t["country"])
            at_risk = int(t["at_risk"].fillna(False).astype(bool).sum())
        evidence = OperationEvidence(
            operation_id=op_id,
            firm=str(r["firm"]),
            confidence=float(r["confidence"]),
            rationale=str(r["rationale"]),
            phases=tuple(p for p in str(r["phases"] or "").split(",") if p),
            n_accounts=len(by_op.get(op_id, ())),
            targets_total=0 if t is None else len(t),
            targets_at_risk=at_risk,
            targets_by_phase=dict(by_phase),
            targets_by_country=dict(by_country),
        )
        found.append(
            DetectedOperation(evidence, tuple(by_op.get(op_id, ())), tuple(infra.get(op_id, ())))
        )
    return found
