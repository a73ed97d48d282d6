"""Which accounts belong to notified surveillance-for-hire targets: the seam to notification.

Lawful requests about such an account are escalated to a senior reviewer, since the request may
come from the client who hired the surveillance. The notification feature plugs in by
providing another :class:`NotifiedTargets`; until then the detection results' target list in the
workspace (``results/targets/*.parquet``, column ``account_id`` or ``target_id``) stands in.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Protocol

import pyarrow.parquet as pq

from counterspy.errors import InputError
from counterspy.workspace import Workspace

ID_COLUMNS = ("account_id", "target_id")


class NotifiedTargets(Protocol):
    def notified(self, account_ids: Collection[str]) -> frozenset[str]:
        """The subset of ``account_ids`` that belong to notified targets."""
        ...


class NoTargets:
    def notified(self, account_ids: Collection[str]) -> frozenset[str]:
        return frozenset()


class StaticTargets:
    """A fixed set (tests, or a list exported by another system)."""

    def __init__(self, ids: Collection[str]) -> None:
        self._ids = frozenset(ids)

    def notified(self, account_ids: Collection[str]) -> frozenset[str]:
        return self._ids & frozenset(account_ids)


def _id_column(path: Path) -> str:
    names = pq.read_schema(path).names
    for col in ID_COLUMNS:
        if col in names:
            return col
    raise InputError(
        f"no target id column (want one of {', '.join(ID_COLUMNS)}; found {', '.join(names)})",
        file=str(path),
        hint="results/targets is written by `counterspy detect`",
    )


def read_target_ids(files: Collection[Path]) -> frozenset[str]:
    ids: set[str] = set()
    for f in files:
        col = _id_column(f)
        values = pq.read_table(f, columns=[col]).column(col).to_pylist()
        ids.update(str(v) for v in values if v is not None)
    return frozenset(ids)


class WorkspaceTargets:
    """Targets listed in the workspace's detection results; re-read when the files change."""

    def __init__(self, workspace: Workspace) -> None:
        self._dir = workspace.result_dir("targets")
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._ids: frozenset[str] = frozenset()

    def files(self) -> list[Path]:
        return sorted(self._dir.glob("*.parquet")) if self._dir.is_dir() else []

    def _load(self) -> frozenset[str]:
        files = self.files()
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        if stamp != self._stamp:
            self._ids = read_target_ids(files)
            self._stamp = stamp
        return self._ids

    def notified(self, account_ids: Collection[str]) -> frozenset[str]:
        return self._load() & frozenset(account_ids)
