"""A case as the console shows it: one detected operation with its evidence, timeline, graph
and the review state of each operator account.

An operation is read from the detection results (``results/operations``); each account's
review state comes from its case (``counterspy.cases``) or the enforcement outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit.models import AuditRow
from counterspy.console.decisions import PENDING, AccountDecision, decisions
from counterspy.console.graph import Graph, layout_graph, operation_edges
from counterspy.console.overview import num, results_or_empty
from counterspy.detect.results import SignalRow, signals_by_account
from counterspy.errors import CounterspyError, NotFoundError
from counterspy.workspace import Workspace

TIMELINE_LIMIT = 300
_NONE = AccountDecision(PENDING, "", None)


@dataclass(frozen=True)
class OperationLine:
    operation_id: str
    firm: str
    confidence: float
    n_accounts: int
    n_targets: int
    phases: tuple[str, ...]
    awaiting: int  # flagged accounts without a decision


@dataclass(frozen=True)
class AccountLine:
    account_id: str
    score: float
    flagged: bool
    signals: tuple[SignalRow, ...]
    decision: str  # pending | approved | rejected | reinstated
    decision_detail: str
    case_id: int | None


@dataclass(frozen=True)
class TargetLine:
    target_id: str
    phase: str
    country: str
    at_risk: bool
    n_events: int
    first_seen: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str


@dataclass(frozen=True)
class CaseFile:
    operation: OperationLine
    rationale: str
    accounts: tuple[AccountLine, ...]
    targets: tuple[TargetLine, ...]
    timeline: tuple[TimelineEntry, ...]
    graph: Graph


def _ts(value: object) -> datetime | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _require(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None:
        raise CounterspyError(
            f"no detection results ({name}) in this workspace", hint="run `counterspy detect`"
        )
    return frame


def list_operations(
    ws: Workspace, session: Session, firm: str | None = None
) -> tuple[OperationLine, ...]:
    ops = results_or_empty(ws, "operations")
    accounts = results_or_empty(ws, "accounts")
    if ops is None or accounts is None:
        return ()
    if firm:
        ops = ops[ops["firm"] == firm]
    flagged = accounts[accounts["flagged"]]
    decided = decisions(session, list(flagged["account_id"]))
    done = [a for a, d in decided.items() if d.decision != PENDING]
    awaiting = flagged[~flagged["account_id"].isin(done)].groupby("operation_id").size()
    lines = [
        OperationLine(
            operation_id=str(r.operation_id),
            firm=str(r.firm),
            confidence=num(r.confidence),
            n_accounts=int(num(r.n_accounts)),
            n_targets=int(num(r.n_targets)),
            phases=tuple(p for p in str(r.phases).split(",") if p),
            awaiting=int(awaiting.get(r.operation_id, 0)),
        )
        for r in ops.itertuples(index=False)
    ]
    return tuple(sorted(lines, key=lambda o: (-o.awaiting, o.operation_id)))


def _signals(signals: pd.DataFrame) -> dict[str, tuple[SignalRow, ...]]:
    """Each account's signals, strongest first."""
    ordered = signals.sort_values("weight", ascending=False, kind="stable")
    return {k: tuple(v) for k, v in signals_by_account(ordered).items()}


def timeline(
    session: Session,
    signals: dict[str, tuple[SignalRow, ...]],
    targets: tuple[TargetLine, ...],
    extra_subjects: tuple[tuple[str, str], ...] = (),
) -> tuple[TimelineEntry, ...]:
    """Signals, the first target reaching each phase, and every audited decision about the
    accounts (and ``extra_subjects``: (subject type, id), e.g. ("case", "7")), oldest first."""
    entries: list[TimelineEntry] = []
    for account, lines in signals.items():
        for sig in lines:
            started = sig.started
            if started is not None:
                entries.append(TimelineEntry(started, sig.phase, f"{account}: {sig.evidence}"))
    first_by_phase: dict[str, TargetLine] = {}
    for t in targets:
        if t.first_seen is None:
            continue
        seen = first_by_phase.get(t.phase)
        if seen is None or (seen.first_seen is not None and t.first_seen < seen.first_seen):
            first_by_phase[t.phase] = t
    for phase, t in first_by_phase.items():
        assert t.first_seen is not None
        entries.append(TimelineEntry(t.first_seen, phase, f"first target reached {phase}"))
    wanted: list[tuple[str, list[str]]] = [("account", list(signals))]
    wanted += [(kind, [value]) for kind, value in extra_subjects]
    for kind, ids in wanted:
        for i in range(0, len(ids), 500):
            rows = session.execute(
                select(AuditRow).where(
                    AuditRow.subject_type == kind, AuditRow.subject_id.in_(ids[i : i + 500])
                )
            ).scalars()
            for r in rows:
                at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
                text = f"{r.action} {r.subject_type} {r.subject_id} by {r.actor}"
                entries.append(
                    TimelineEntry(at, "decision", text + (f": {r.reason}" if r.reason else ""))
                )
    entries.sort(key=lambda e: e.at)
    return tuple(entries[-TIMELINE_LIMIT:])


def targets_of(ws: Workspace, operation_ids: tuple[str, ...]) -> tuple[TargetLine, ...]:
    """The targets of some operations, most contacted first."""
    frame = _require(results_or_empty(ws, "targets"), "targets")
    frame = frame[frame["operation_id"].isin(list(operation_ids))]
    return tuple(
        TargetLine(
            target_id=str(r.target_id),
            phase=str(r.phase),
            country=str(r.country),
            at_risk=bool(r.at_risk),
            n_events=int(num(r.n_events)),
            first_seen=_ts(r.first_seen),
        )
        for r in frame.sort_values("n_events", ascending=False).itertuples(index=False)
    )


def graph_of(
    ws: Workspace, operators: list[str], targets: tuple[TargetLine, ...], *, show_targets: bool
) -> Graph:
    edges = operation_edges(ws, operators, [t.target_id for t in targets])
    # Without targets:read the graph keeps its shape but not who the targets are.
    labels = {
        t.target_id: (t.target_id if show_targets else f"target {i + 1}")
        for i, t in enumerate(targets)
    }
    return layout_graph(operators, edges, labels)


def case_file(
    ws: Workspace, session: Session, operation_id: str, *, show_targets: bool
) -> CaseFile:
    ops = _require(results_or_empty(ws, "operations"), "operations")
    match = ops[ops["operation_id"] == operation_id]
    if match.empty:
        raise NotFoundError(f"no operation {operation_id!r} in the detection results")
    op = match.iloc[0]
    accounts = _require(results_or_empty(ws, "accounts"), "accounts")
    accounts = accounts[accounts["operation_id"] == operation_id].sort_values(
        "score", ascending=False
    )
    all_signals = _require(results_or_empty(ws, "signals"), "signals")
    ids = list(accounts["account_id"])
    signals = _signals(all_signals[all_signals["account_id"].isin(ids)])
    decided = decisions(session, list(accounts["account_id"]))
    lines = [
        AccountLine(
            account_id=str(r.account_id),
            score=num(r.score),
            flagged=bool(r.flagged),
            signals=signals.get(str(r.account_id), ()),
            decision=decided.get(str(r.account_id), _NONE).decision,
            decision_detail=decided.get(str(r.account_id), _NONE).detail,
            case_id=decided.get(str(r.account_id), _NONE).case_id,
        )
        for r in accounts.itertuples(index=False)
    ]
    targets = targets_of(ws, (operation_id,))
    operators = [a.account_id for a in lines]
    graph = graph_of(ws, operators, targets, show_targets=show_targets)
    line = OperationLine(
        operation_id=operation_id,
        firm=str(op["firm"]),
        confidence=float(op["confidence"]),
        n_accounts=int(op["n_accounts"]),
        n_targets=int(op["n_targets"]),
        phases=tuple(p for p in str(op["phases"]).split(",") if p),
        awaiting=sum(1 for a in lines if a.flagged and a.decision == PENDING),
    )
    return CaseFile(
        operation=line,
        rationale=str(op["rationale"]),
        accounts=tuple(lines),
        targets=targets if show_targets else (),
        timeline=timeline(
            session, {a.account_id: a.signals for a in lines}, targets if show_targets else ()
        ),
        graph=graph,
    )
