"""What notification reads from elsewhere: detection's targets and operator flags, the
canonical accounts table, and which accounts enforcement has disabled.

These are seams: each is read in exactly one function here, so when detection or enforcement
change their shape only this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.errors import CounterspyError, InputError
from counterspy.model import Phase
from counterspy.notify.models import AccountStateRow
from counterspy.workspace import Workspace

TARGET_COLUMNS = ("account_id", "operation_id", "phase")


@dataclass(frozen=True)
class Exposure:
    """One person reached by one operation, at its highest phase."""

    account_id: str
    operation_id: str
    phase: Phase


@dataclass(frozen=True)
class Profile:
    locale: str
    country: str


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def load_targets(workspace: Workspace) -> list[Exposure]:
    """Detection's target list (``results/targets/*.parquet``), one row per (target, operation).

    Other columns (``firm``, ``first_seen``...) are deliberately not read: nothing downstream
    of here may carry a firm name.
    """
    folder = workspace.result_dir("targets")
    files = _parquet_files(folder)
    if not files:
        raise CounterspyError(
            f"no detection targets in {folder}",
            hint="run detection first (`counterspy detect`), which writes results/targets/",
        )
    table = ds.dataset([str(f) for f in files], format="parquet").to_table()
    if "account_id" not in table.column_names and "target_id" in table.column_names:
        # Detection writes the targeted account as ``target_id``.
        table = table.rename_columns(
            ["account_id" if c == "target_id" else c for c in table.column_names]
        )
    missing = [c for c in TARGET_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            file=str(files[0]),
            hint="targets need account_id, operation_id and phase",
        )
    phases = {p.value: p for p in Phase}
    out: list[Exposure] = []
    rows = zip(*(table.column(c).to_pylist() for c in TARGET_COLUMNS), strict=True)
    for i, (acc, op, phase) in enumerate(rows):
        if acc is None or op is None or phase not in phases:
            raise InputError(
                f"bad target row (account_id={acc!r}, operation_id={op!r}, phase={phase!r})",
                file=str(folder),
                row=i + 1,
                hint="phase must be one of " + ", ".join(phases),
            )
        out.append(Exposure(str(acc), str(op), phases[phase]))
    return out


def load_operator_ids(workspace: Workspace) -> frozenset[str]:
    """Accounts detection flagged as operators (``results/accounts``: ``flagged``, as detection
    writes it, or ``is_operator``)."""
    files = _parquet_files(workspace.result_dir("accounts"))
    if not files:
        return frozenset()
    table = ds.dataset([str(f) for f in files], format="parquet").to_table()
    column = next((c for c in ("flagged", "is_operator") if c in table.column_names), None)
    if column is None:
        raise InputError(
            "missing column 'flagged'",
            file=str(files[0]),
            hint="detection's accounts result must flag operator accounts",
        )
    flagged = table.filter(pc.fill_null(table.column(column), False))
    return frozenset(str(a) for a in flagged.column("account_id").to_pylist())


def load_profiles(workspace: Workspace, account_ids: Iterable[str]) -> dict[str, Profile]:
    """Locale and country of the given accounts, from the canonical accounts table (the
    newest load wins when an account appears in several)."""
    files = workspace.table_files("accounts")
    wanted = pa.array(sorted(set(account_ids)), type=pa.string())
    out: dict[str, Profile] = {}
    for f in files:  # load order: later loads overwrite earlier ones
        table = ds.dataset(str(f), format="parquet").to_table(
            columns=["account_id", "locale", "country"],
            filter=pc.field("account_id").isin(wanted),
        )
        for acc, loc, ctry in zip(
            table.column("account_id").to_pylist(),
            table.column("locale").to_pylist(),
            table.column("country").to_pylist(),
            strict=True,
        ):
            out[acc] = Profile(locale=loc or "en", country=(ctry or "").upper())
    return out


class AccountStateProvider(Protocol):
    """Tells which accounts must not be notified because enforcement disabled them."""

    def disabled(self, session: Session, account_ids: Iterable[str]) -> frozenset[str]: ...


class StoreAccountStates:
    """Default provider: the ``notify_account_states`` table (enforcement writes it)."""

    def disabled(self, session: Session, account_ids: Iterable[str]) -> frozenset[str]:
        ids = list(set(account_ids))
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = select(AccountStateRow.account_id).where(
                AccountStateRow.account_id.in_(chunk), AccountStateRow.disabled.is_(True)
            )
            found.update(session.execute(q).scalars())
        return frozenset(found)
