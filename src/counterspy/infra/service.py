"""A verdict engine bound to a workspace that rebuilds itself when intelligence changes.

Every import and blocklist change bumps a version counter in the store.
:meth:`VerdictService.engine` reads that counter (at most once per ``check_interval`` seconds)
and rebuilds the indicator index when it moved, so a running server picks up a new block within
a second, without a restart. The brand index does not depend on the store and is built once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from counterspy.infra.brands import load_brands
from counterspy.infra.firstseen import (
    FIRST_SEEN_RESULT,
    FirstSeenPolicy,
    read_first_seen,
)
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.store import current_version, load_index
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

DEFAULT_FIRST_SEEN = FirstSeenPolicy()
BRANDS_DIR = "brands.d"  # workspace folder of brand-list extension files (*.csv, *.yaml)


def brand_files(workspace: Workspace, extra: Sequence[Path] = ()) -> list[Path]:
    d = workspace.home / BRANDS_DIR
    found = (
        sorted(p for p in d.glob("*") if p.suffix.lower() in {".csv", ".yaml", ".yml"})
        if d.is_dir()
        else []
    )
    return [*found, *extra]


class VerdictService:
    def __init__(
        self,
        workspace: Workspace,
        *,
        extra_brand_files: Sequence[Path] = (),
        first_seen: Mapping[str, datetime] | None = None,
        first_seen_policy: FirstSeenPolicy | None = DEFAULT_FIRST_SEEN,
        check_interval: float = 1.0,
        store: Store | None = None,
    ) -> None:
        """``first_seen`` (registrable domain → time, judged against the clock) overrides the
        workspace's stored first-seen table (``counterspy intel first-seen``), which is judged
        with ``first_seen_policy`` against the newest event; ``first_seen_policy=None`` turns
        the signal off."""
        self.workspace = workspace
        self._owns_store = store is None
        self.store = store if store is not None else open_store(workspace)
        self.lookalikes = LookalikeIndex(load_brands(brand_files(workspace, extra_brand_files)))
        self.first_seen = first_seen
        self.first_seen_policy = first_seen_policy
        self._fs_stamp: float | None = None
        self._fs: tuple[dict[str, datetime], datetime | None] = ({}, None)
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._engine: VerdictEngine | None = None
        self._version = -1
        self._next_expiry: datetime | None = None
        self._checked = 0.0

    def engine(self) -> VerdictEngine:
        now = time.monotonic()
        if self._engine is not None and now - self._checked < self.check_interval:
            return self._engine
        with self._lock:
            self._checked = now
            version = current_version(self.store)
            expired = self._next_expiry is not None and datetime.now(UTC) >= self._next_expiry
            before = self._fs
            new, as_of = self._new_domains()
            if (
                self._engine is None
                or version != self._version
                or expired
                or before is not self._fs
            ):
                loaded = load_index(self.store)
                policy = self.first_seen_policy or FirstSeenPolicy()
                self._engine = VerdictEngine(
                    loaded.index, self.lookalikes, first_seen=new, now=as_of, recent=policy.window
                )
                self._version = loaded.version
                self._next_expiry = loaded.next_expiry
            return self._engine

    def _new_domains(self) -> tuple[dict[str, datetime], datetime | None]:
        """(new domains, the time "recent" is measured from), re-read when the table changed."""
        if self.first_seen is not None:
            return dict(self.first_seen), None
        if self.first_seen_policy is None:
            return {}, None
        part = self.workspace.result_dir(FIRST_SEEN_RESULT) / "part-0.parquet"
        try:
            stamp: float | None = part.stat().st_mtime
        except OSError:
            stamp = None
        if stamp != self._fs_stamp:
            table = read_first_seen(self.workspace) if stamp is not None else None
            self._fs = (
                (table.new_domains(self.first_seen_policy), table.as_of)
                if table is not None
                else ({}, None)
            )
            self._fs_stamp = stamp
        return self._fs

    @property
    def version(self) -> int:
        return self._version

    def close(self) -> None:
        if self._owns_store:
            self.store.dispose()
