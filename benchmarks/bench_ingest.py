"""Ingest throughput and peak memory on synthetic canonical data.

    python -m benchmarks.bench_ingest --events 3000000 --repeat 3

Generates accounts and events (valid, so every check runs to the end) as Parquet parts, CSV and
JSON Lines, then ingests each into a fresh workspace in a child process and reports rows/s and
the child's peak RSS. Medians over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from counterspy.ingest.schema import ACCOUNTS, EVENTS, TARGETED_EVENT_TYPES
from counterspy.model import AccountType, EventType

CHILD = """
import resource, sys, time
from pathlib import Path
from counterspy.ingest.load import ingest
from counterspy.workspace import Workspace
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t, c = time.perf_counter(), cpu()
s = ingest(Workspace(Path(sys.argv[1])), [Path(sys.argv[2])])
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(s.rows, time.perf_counter() - t, cpu() - c, rss)
"""


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _ts(rng: np.random.Generator, n: int, start: str, span_s: int) -> pa.Array:
    base = np.datetime64(start, "us")
    offsets = rng.integers(0, span_s * 1_000_000, n).astype("timedelta64[us]")
    return pa.array(base + offsets, pa.timestamp("us", tz="UTC"))


def accounts_table(n: int, rng: np.random.Generator) -> pa.Table:
    types = np.array([t.value for t in AccountType])
    return pa.Table.from_arrays(
        [
            _ids("a", n, 8),
            _ts(rng, n, "2015-01-01", 10 * 365 * 86400),
            pc.binary_join_element_wise(
                "Person ", pc.cast(pa.array(np.arange(n)), pa.string()), ""
            ),
            pa.array(types[rng.integers(0, len(types), n)]),
            pa.array(np.array(["DE", "FR", "IL", "US", "IN"])[rng.integers(0, 5, n)]),
            pa.array(np.array(["de-DE", "fr-FR", "he-IL", "en-US"])[rng.integers(0, 4, n)]),
            pa.array(rng.random(n) < 0.05),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.string()),
        ],
        schema=ACCOUNTS.schema,
    )


def events_table(n: int, n_accounts: int, rng: np.random.Generator, first: int = 0) -> pa.Table:
    kinds = np.array([t.value for t in EventType])
    kind = kinds[rng.integers(0, len(kinds), n)]
    targeted = np.isin(kind, [str(t) for t in TARGETED_EVENT_TYPES])
    target = np.char.add("a", np.char.zfill(rng.integers(0, n_accounts, n).astype(str), 8))
    target_arr = pa.array(np.where(targeted | (rng.random(n) < 0.3), target, None))
    actor = np.char.add("a", np.char.zfill(rng.integers(0, n_accounts, n).astype(str), 8))
    ips = np.array([f"203.0.113.{i}" for i in range(256)])
    return pa.Table.from_arrays(
        [
            pc.binary_join_element_wise(
                "e",
                pc.utf8_lpad(pc.cast(pa.array(np.arange(first, first + n)), pa.string()), 10, "0"),
                "",
            ),
            _ts(rng, n, "2021-01-01", 365 * 86400),
            pa.array(actor),
            pa.array(kind),
            target_arr,
            pa.nulls(n, pa.string()),
            pa.array(np.where(kind == "link_share", "https://example.news/a", None)),
            pa.array(ips[rng.integers(0, 256, n)]),
            pa.array(rng.integers(1000, 70000, n)),
            pa.array(np.char.add("d", rng.integers(0, 10**6, n).astype(str))),
            pa.array(
                np.array(["Mozilla/5.0 (Linux; Android 13)", "Mozilla/5.0 (X11)"])[
                    rng.integers(0, 2, n)
                ]
            ),
            pa.array(np.array(["DE", "FR", "IL", None], dtype=object)[rng.integers(0, 4, n)]),
        ],
        schema=EVENTS.schema,
    )


def generate_increment(root: Path, n_events: int, n_accounts: int, first: int) -> Path:
    """Events with new ids (from ``first`` on) referring to the same accounts."""
    rng = np.random.default_rng(11)
    d = root / "increment" / "events"
    d.mkdir(parents=True)
    pq.write_table(events_table(n_events, n_accounts, rng, first=first), d / "part-00000.parquet")
    return d.parent


def generate(root: Path, n_events: int, n_accounts: int, text_events: int) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    acc = accounts_table(n_accounts, rng)
    sets = {fmt: root / fmt for fmt in ("parquet", "csv", "jsonl")}
    for d in sets.values():
        (d / "accounts").mkdir(parents=True)
        (d / "events").mkdir(parents=True)
    pq.write_table(acc, sets["parquet"] / "accounts" / "part-00000.parquet")
    pacsv.write_csv(acc, sets["csv"] / "accounts" / "accounts.csv")
    _write_jsonl(acc, sets["jsonl"] / "accounts" / "accounts.jsonl")
    part = 500_000
    for i, start in enumerate(range(0, n_events, part)):
        ev = events_table(min(part, n_events - start), n_accounts, rng, first=start)
        pq.write_table(ev, sets["parquet"] / "events" / f"part-{i:05d}.parquet")
        if start < text_events:
            ev = ev.slice(0, min(ev.num_rows, text_events - start))
            pacsv.write_csv(ev, sets["csv"] / "events" / f"events-{i:05d}.csv")
            _write_jsonl(ev, sets["jsonl"] / "events" / f"events-{i:05d}.jsonl")
    return sets


def _write_jsonl(t: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for batch in t.to_batches(100_000):
            for rec in batch.to_pylist():
                for k, v in rec.items():
                    if hasattr(v, "isoformat"):
                        rec[k] = v.isoformat()
                fh.write(json.dumps(rec) + "\n")


def run_once(src: Path, work: Path, fresh: bool = True) -> tuple[int, float, float, float]:
    """(rows, wall s and CPU s inside ``ingest``, peak RSS MiB) of one ingest in a child."""
    home = work / "home"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(src)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows, secs, cpu, rss_kib = proc.stdout.split()[-4:]
    return int(rows), float(secs), float(cpu), int(rss_kib) / 1024


def _row(label: str, size: str, runs: list[tuple[int, float, float, float]]) -> str:
    rows = runs[0][0]
    secs = statistics.median(r[1] for r in runs)
    cpu = statistics.median(r[2] for r in runs)
    peak = max(r[3] for r in runs)
    return (
        f"| {label} | {rows:,} | {size} | {secs:.1f} | {rows / secs:,.0f} | {cpu:.1f} "
        f"| {rows / cpu:,.0f} | {peak:,.0f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=3_000_000)
    ap.add_argument("--accounts", type=int, default=200_000)
    ap.add_argument("--text-events", type=int, default=1_000_000, help="events in CSV/JSONL runs")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--formats", default="parquet,csv,jsonl")
    ap.add_argument(
        "--increment", type=int, default=500_000, help="events appended to a full workspace"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        sets = generate(root / "data", args.events, args.accounts, args.text_events)
        print(f"generated data in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        print(
            "| format | rows | input MiB | median s | rows/s | CPU s | rows/CPU-s | peak RSS MiB |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for fmt in args.formats.split(","):
            src = sets[fmt]
            size = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 2**20
            runs = [run_once(src, root) for _ in range(args.repeat)]
            print(_row(fmt, f"{size:,.0f}", runs))
        if args.increment:
            inc = generate_increment(root / "data", args.increment, args.accounts, args.events)
            runs = []
            for _ in range(args.repeat):
                run_once(sets["parquet"], root)  # workspace holding the full Parquet set
                runs.append(run_once(inc, root, fresh=False))
            print(_row(f"parquet, appended to {args.events + args.accounts:,} rows", "-", runs))


if __name__ == "__main__":
    main()
