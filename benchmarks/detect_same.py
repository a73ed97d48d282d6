"""Do two code trees detect the same? Results compared cell for cell, order-insensitive.

Run: ``python -m benchmarks.detect_same --peer-src OTHER/src --work DIR WS [WS ...]``.

Each ``WS`` is a workspace with committed loads (e.g. an ingested simulation). Its ``loads/``
are copied twice under ``--work`` and ``detect_workspace`` runs once with this checkout's
``src`` and once with ``--peer-src`` (each in a fresh subprocess, default settings, DuckDB).
Every result table (signals, accounts, operations, targets, bad_domains) is then compared:
same columns, same rows as a multiset, every cell equal (floats exactly). Prints one line per
workspace and table, and exits non-zero when anything differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("signals", "accounts", "operations", "targets", "bad_domains")


def _detect(src: str, home: Path) -> float:
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{ROOT}")
    code = (
        "from pathlib import Path; from counterspy.detect.run import detect_workspace; "
        "from counterspy.workspace import Workspace; "
        f"detect_workspace(Workspace(Path({str(home)!r})))"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order (by every column, as text), index reset, columns sorted."""
    df = df[sorted(df.columns)]
    key = df.astype("string").fillna("\0null")
    order = key.sort_values(list(key.columns), kind="stable").index
    return df.loc[order].reset_index(drop=True)


def compare(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when equal as multisets of rows; else what differs."""
    if sorted(a.columns) != sorted(b.columns):
        return f"columns differ: {sorted(a.columns)} vs {sorted(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}"
    ca, cb = _canonical(a), _canonical(b)
    for col in ca.columns:
        x, y = ca[col], cb[col]
        same = (x == y) | (x.isna() & y.isna())
        if not bool(same.all()):
            i = int((~same).to_numpy().nonzero()[0][0])
            return f"column {col} differs, e.g. row {i}: {x.iloc[i]!r} vs {y.iloc[i]!r}"
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workspaces", nargs="+", type=Path)
    ap.add_argument("--peer-src", required=True)
    ap.add_argument("--work", required=True, type=Path)
    args = ap.parse_args()
    import pyarrow.parquet as pq

    bad = 0
    for ws in args.workspaces:
        homes = {}
        secs = {}
        for name, src in (("this", str(ROOT / "src")), ("peer", args.peer_src)):
            home = args.work / f"{ws.name}-{name}"
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            shutil.copytree(ws / "loads", home / "loads")
            secs[name] = _detect(src, home)
            homes[name] = home
        sizes = []
        for table in TABLES:
            a, b = (
                pq.read_table(homes[n] / "results" / table / "part-0.parquet").to_pandas()
                for n in ("this", "peer")
            )
            diff = compare(a, b)
            sizes.append(f"{table} {len(a)}")
            if diff:
                bad += 1
                print(f"{ws.name}: {table} DIFFERS: {diff}", flush=True)
        print(
            f"{ws.name}: {', '.join(sizes)}; this {secs['this']:.1f} s, peer {secs['peer']:.1f} s",
            flush=True,
        )
    print("IDENTICAL" if not bad else f"{bad} tables differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
