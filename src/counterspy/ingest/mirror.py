"""Mirror committed loads (the ``load.json`` files) into the operational store."""

from __future__ import annotations

from dataclasses import dataclass

from counterspy.ingest.manifest import LoadManifest, committed_loads
from counterspy.storage.db import Store
from counterspy.storage.loads import LoadEntry, LoadFileEntry, forget_loads_except, record_loads
from counterspy.workspace import Workspace


def load_entry(m: LoadManifest, ws: Workspace) -> LoadEntry:
    return LoadEntry(
        load_id=m.load_id,
        workspace=str(ws.home),
        started_at=m.started_at,
        committed_at=m.finished_at,
        counterspy_version=m.counterspy_version,
        sources=m.sources,
        files=tuple(
            LoadFileEntry(f.table, f.part, f.source, f.format, f.sha256, f.bytes, f.rows)
            for f in m.files
        ),
    )


@dataclass(frozen=True)
class MirrorResult:
    added: int
    removed: int

    def describe(self) -> str:
        return f"+{self.added} / -{self.removed} load(s)"


def mirror_loads(store: Store, ws: Workspace) -> MirrorResult:
    """Make the store's list of loads match the workspace's committed loads.

    Adds loads the store does not know and drops loads whose folder was deleted. Idempotent, so
    a crash between commit and mirror is repaired by the next call.
    """
    entries = [load_entry(m, ws) for m in committed_loads(ws)]
    added = record_loads(store, entries)
    removed = forget_loads_except(store, str(ws.home), (e.load_id for e in entries))
    return MirrorResult(added, removed)
