"""Small canonical data sets written in each accepted format, and a workspace fingerprint."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.ingest.schema import ACCOUNTS, EVENTS, Table

Row = dict[str, object]


def accounts(n: int = 4, start: int = 0) -> list[Row]:
    return [
        {
            "account_id": f"a{i:06d}",
            "created_at": f"2020-01-{1 + i % 28:02d}T10:00:00Z",
            "display_name": f"Person {i}",
            "account_type": "person",
            "country": "DE",
            "locale": "de-DE",
            "verified": "false",
            "at_risk": "journalist" if i % 2 else None,
            "photo_hash": None,
        }
        for i in range(start, start + n)
    ]


def events(n: int = 6, n_accounts: int = 4, start: int = 0) -> list[Row]:
    return [
        {
            "event_id": f"e{i:08d}",
            "ts": f"2021-10-02T17:{i % 60:02d}:10Z",
            "actor_id": f"a{i % n_accounts:06d}",
            "event_type": "profile_view",
            "target_id": f"a{(i + 1) % n_accounts:06d}",
            "group_id": None,
            "url": None,
            "ip": "203.0.113.7",
            "asn": "3320",
            "device_id": None,
            "user_agent": None,
            "country": "DE",
        }
        for i in range(start, start + n)
    ]


def write_csv(path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = list(columns if columns is not None else rows[0].keys())
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    return path


def write_jsonl(path: Path, rows: Sequence[Row]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


def typed(rows: Sequence[Row], table: Table) -> pa.Table:
    """Rows as a canonical Arrow table (text values parsed the obvious way)."""
    out: dict[str, list[object]] = {c: [] for c in table.names}
    for r in rows:
        for c in table.columns:
            v = r.get(c.name)
            if v is not None and pa.types.is_int64(c.type):
                v = int(str(v))
            elif v is not None and pa.types.is_boolean(c.type):
                v = str(v) == "true"
            out[c.name].append(v)
    arrays = []
    for c in table.columns:
        if pa.types.is_timestamp(c.type):
            arrays.append(pa.compute.cast(pa.array(out[c.name], pa.string()), c.type))
        else:
            arrays.append(pa.array(out[c.name], c.type))
    return pa.Table.from_arrays(arrays, schema=table.schema)


def write_parquet(path: Path, rows: Sequence[Row], table: Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(typed(rows, table), path)
    return path


def write_dataset(folder: Path, n_accounts: int = 4, n_events: int = 6) -> Path:
    """A simulator-shaped folder: accounts/, events/ parts and a truth/ folder."""
    write_parquet(folder / "accounts" / "part-00000.parquet", accounts(n_accounts), ACCOUNTS)
    write_parquet(folder / "events" / "part-00000.parquet", events(n_events, n_accounts), EVENTS)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    (folder / "truth" / "operators.parquet").write_bytes(b"not telemetry")
    return folder


def listing(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a digest of its content (equal means untouched)."""
    if not root.exists():
        return {}
    found: dict[str, str] = {".": "dir"}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        found[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return found
