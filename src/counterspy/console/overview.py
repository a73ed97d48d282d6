"""What the dashboard shows, computed from detection results and the operational store.

Plain frozen dataclasses: the templates only format them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal
from counterspy.cases.models import AppealRow, CaseAccountRow
from counterspy.console.decisions import PENDING
from counterspy.detect.results import read_result
from counterspy.enforce.actions import ActionStatus
from counterspy.enforce.models import EnforcementActionRow
from counterspy.legal.model import RequestState
from counterspy.legal.models import LegalRequestRow
from counterspy.model.enums import Phase
from counterspy.notify.models import BatchRow
from counterspy.workspace import Workspace

PHASES: tuple[str, ...] = tuple(p.value for p in Phase)
LEGAL_OPEN = (RequestState.RECEIVED, RequestState.UNDER_REVIEW, RequestState.ESCALATED)


@dataclass(frozen=True)
class FirmRow:
    firm: str
    operations: int
    accounts: int
    targets: int
    by_phase: tuple[int, ...]  # operations reaching each phase, in PHASES order


@dataclass(frozen=True)
class CountryRow:
    country: str
    targets: int
    at_risk: int


@dataclass(frozen=True)
class PendingCount:
    label: str
    count: int
    path: str


@dataclass(frozen=True)
class Dashboard:
    has_results: bool
    operations: int
    flagged_accounts: int
    targets: int
    firms: tuple[FirmRow, ...]
    countries: tuple[CountryRow, ...]
    pending: tuple[PendingCount, ...]


def num(value: object) -> float:
    """A number from a pandas cell (pandas' stubs type cells as a wide union)."""
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


FileSignature = tuple[tuple[str, int, int], ...]


def file_signature(paths: list[Path]) -> FileSignature:
    """(path, size, mtime) of each file: changes whenever detection rewrites a result."""
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=32)
def _read_parquet(signature: FileSignature) -> pd.DataFrame:
    frame: pd.DataFrame = pd.concat(
        [pq.read_table(path).to_pandas() for path, _, _ in signature], ignore_index=True
    )
    return frame


def results_or_empty(ws: Workspace, name: str) -> pd.DataFrame | None:
    """A detection result table, or None when detection has not run in this workspace.

    Cached until detection rewrites the files (pages read the same tables on every view);
    pandas' copy-on-write keeps callers from changing the cached frame."""
    files = sorted(ws.result_dir(name).glob("*.parquet"))
    if not files:
        return None
    try:
        return _read_parquet(file_signature(files))
    except FileNotFoundError:  # detection replaced the folder between listing and reading
        return read_result(ws, name)


def _firm_rows(ops: pd.DataFrame) -> tuple[FirmRow, ...]:
    out = []
    for firm, group in ops.groupby("firm", sort=True):
        phase_counts: Counter[str] = Counter()
        for phases in group["phases"]:
            phase_counts.update(p for p in str(phases).split(",") if p)
        out.append(
            FirmRow(
                firm=str(firm),
                operations=len(group),
                accounts=int(group["n_accounts"].sum()),
                targets=int(group["n_targets"].sum()),
                by_phase=tuple(phase_counts.get(p, 0) for p in PHASES),
            )
        )
    return tuple(sorted(out, key=lambda r: (-r.operations, r.firm)))


def _country_rows(targets: pd.DataFrame, limit: int) -> tuple[CountryRow, ...]:
    if targets.empty:
        return ()
    # A person targeted by two operations is one person: count distinct targets per country.
    people = targets.drop_duplicates("target_id")
    grouped = people.groupby("country").agg(n=("target_id", "size"), risk=("at_risk", "sum"))
    grouped = grouped.sort_values(["n", "risk"], ascending=False).head(limit)
    return tuple(
        CountryRow(str(c), int(num(r.n)), int(num(r.risk)))
        for c, r in zip(grouped.index, grouped.itertuples(), strict=False)
    )


def _count(session: Session, q: object) -> int:
    return int(session.execute(q).scalar_one())  # type: ignore[call-overload]


def _count_in_cases(session: Session, accounts: list[str]) -> int:
    n = 0
    for i in range(0, len(accounts), 500):
        n += _count(
            session,
            select(func.count())
            .select_from(CaseAccountRow)
            .where(CaseAccountRow.account_id.in_(accounts[i : i + 500])),
        )
    return n


def _pending(
    session: Session, principal: Principal, accounts: pd.DataFrame | None
) -> tuple[PendingCount, ...]:
    out: list[PendingCount] = []
    if principal.can(Permission.CASES_READ):
        pending = _count(
            session,
            select(func.count())
            .select_from(CaseAccountRow)
            .where(CaseAccountRow.decision == PENDING),
        )
        out.append(PendingCount("Case accounts awaiting a decision", pending, "/console/cases"))
        appeals = _count(
            session,
            select(func.count()).select_from(AppealRow).where(AppealRow.state == "open"),
        )
        out.append(
            PendingCount("Appeals awaiting a decision", appeals, "/console/appeals?state=open")
        )
        if accounts is not None:
            flagged = set(accounts.loc[accounts["flagged"], "account_id"])
            in_cases = _count_in_cases(session, sorted(flagged))
            out.append(
                PendingCount(
                    "Flagged accounts not yet in a case",
                    len(flagged) - in_cases,
                    "/console/operations",
                )
            )
        failed = _count(
            session,
            select(func.count())
            .select_from(EnforcementActionRow)
            .where(EnforcementActionRow.status == ActionStatus.FAILED.value),
        )
        out.append(PendingCount("Enforcement actions that failed", failed, "/console/actions"))
    if principal.can(Permission.NOTIFY_APPROVE):
        planned = _count(
            session, select(func.count()).select_from(BatchRow).where(BatchRow.status == "planned")
        )
        out.append(
            PendingCount(
                "Notification batches awaiting approval", planned, "/console/notifications"
            )
        )
    if principal.can(Permission.LEGAL_READ_ALL):
        open_requests = _count(
            session,
            select(func.count())
            .select_from(LegalRequestRow)
            .where(LegalRequestRow.state.in_([s.value for s in LEGAL_OPEN])),
        )
        out.append(PendingCount("Lawful requests awaiting review", open_requests, "/console/legal"))
    return tuple(out)


def build_dashboard(
    ws: Workspace, session: Session, principal: Principal, country_limit: int = 15
) -> Dashboard:
    ops = results_or_empty(ws, "operations")
    accounts = results_or_empty(ws, "accounts")
    targets = results_or_empty(ws, "targets")
    has = ops is not None and accounts is not None and targets is not None
    return Dashboard(
        has_results=has,
        operations=len(ops) if ops is not None else 0,
        flagged_accounts=int(accounts["flagged"].sum()) if accounts is not None else 0,
        targets=int(targets["target_id"].nunique()) if targets is not None else 0,
        firms=_firm_rows(ops) if ops is not None and not ops.empty else (),
        countries=_country_rows(targets, country_limit) if targets is not None else (),
        pending=_pending(session, principal, accounts),
    )
