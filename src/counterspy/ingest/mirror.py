"""Mirror committed loads (the ``load.json`` files) into the operational store."""

from __future__ import annotations

from counterspy.ingest.manifest import LoadManifest, committed_loads
from counterspy.storage.db import Store
from counterspy.storage.loads import LoadEntry, LoadFileEntry, record_loads
from counterspy.workspace import Workspace


def load_entry(m: LoadManifest) -> LoadEntry:
    return LoadEntry(
        load_id=m.load_id,
        started_at=m.started_at,
        committed_at=m.finished_at,
        counterspy_version=m.counterspy_version,
        sources=m.sources,
        files=tuple(
            LoadFileEntry(f.table, f.part, f.source, f.format, f.sha256, f.bytes, f.rows)
            for f in m.files
        ),
    )


def mirror_loads(store: Store, ws: Workspace) -> int:
    """Record every committed load the store does not know yet; returns how many were added.

    Idempotent, so a crash between commit and mirror is repaired by the next call.
    """
    return record_loads(store, (load_entry(m) for m in committed_loads(ws)))
