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
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.store import current_version, load_index
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

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
        check_interval: float = 1.0,
        store: Store | None = None,
    ) -> None:
        self.workspace = workspace
        self._owns_store = store is None
        self.store = store if store is not None else open_store(workspace)
        self.lookalikes = LookalikeIndex(load_brands(brand_files(workspace, extra_brand_files)))
        self.first_seen = first_seen
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
            if self._engine is None or version != self._version or expired:
                loaded = load_index(self.store)
                self._engine = VerdictEngine(
                    loaded.index, self.lookalikes, first_seen=self.first_seen
                )
                self._version = loaded.version
                self._next_expiry = loaded.next_expiry
            return self._engine

    @property
    def version(self) -> int:
        return self._version

    def close(self) -> None:
        if self._owns_store:
            self.store.dispose()
