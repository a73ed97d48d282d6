"""End to end at scale: ``simulate`` → ``ingest`` → ``detect``, wall time and peak memory per step.

Run (100M events, ~10 GB of disk under ``--work``)::

    python -m benchmarks.bench_scale --work /tmp/scale --accounts 10000000 \
        --events-per-account 10.5 --seed 7 --compare-limit 9GB

Each step is the real CLI in a child process (``python -m counterspy ...``), with no
``COUNTERSPY_DUCKDB_MEMORY_LIMIT`` unless ``--env`` sets one, so the default memory budget is what
is measured. Peak RSS is sampled every 0.2 s over the child's whole process tree (psutil), and
the load average is recorded at the start and end of every step. ``--compare-limit SIZE`` runs
detect a second time with that limit and checks that both runs found the same operator accounts,
operations and targets. ``--steps`` runs a subset on an existing ``--work`` folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

STEPS = ("simulate", "ingest", "detect")
ENV = "COUNTERSPY_DUCKDB_MEMORY_LIMIT"


@dataclass(frozen=True)
class StepRun:
    name: str
    seconds: float
    peak_rss: int
    load_before: float
    load_after: float
    returncode: int


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in (proc, *proc.children(recursive=True)):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_step(name: str, argv: list[str], env: dict[str, str], log: Path) -> StepRun:
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    with log.open("w") as fh:
        child = subprocess.Popen(argv, env=env, stdout=fh, stderr=subprocess.STDOUT)
        proc = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, _tree_rss(proc))
            time.sleep(0.2)
    secs = time.perf_counter() - t0
    return StepRun(name, secs, peak, load0, os.getloadavg()[0], child.returncode)


def _argv(step: str, work: Path, a: argparse.Namespace) -> list[str]:
    cli = [sys.executable, "-m", "counterspy"]
    if step == "simulate":
        shutil.rmtree(work / "sim", ignore_errors=True)
        return [
            *cli,
            "simulate",
            "--out",
            str(work / "sim"),
            "--accounts",
            str(a.accounts),
            "--events-per-account",
            str(a.events_per_account),
            "--seed",
            str(a.seed),
        ]
    if step == "ingest":
        shutil.rmtree(work / "ws", ignore_errors=True)
        return [*cli, "ingest", str(work / "sim"), "--home", str(work / "ws")]
    return [*cli, "detect", "--home", str(work / "ws")]


def _fingerprint(home: Path) -> tuple[int, int, int]:
    """Flagged accounts, operations, distinct targets of the last detect run in ``home``."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    res = home / "results"
    acc = pq.read_table(res / "accounts", columns=["flagged"])
    ops = pq.read_table(res / "operations", columns=["operation_id"])
    tgt = pq.read_table(res / "targets", columns=["target_id"])
    flagged = int(pc.sum(acc["flagged"]).as_py() or 0)
    return flagged, ops.num_rows, len(pc.unique(tgt["target_id"]))


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True, help="Scratch folder (several GB).")
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--events-per-account", type=float, default=10.5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--steps", default=",".join(STEPS), help="Comma-separated subset of steps.")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for every step.")
    ap.add_argument("--compare-limit", default=None, help="Run detect again under this limit.")
    a = ap.parse_args()
    work: Path = a.work
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env.update(dict(kv.split("=", 1) for kv in a.env))
    runs: list[StepRun] = []
    for step in a.steps.split(","):
        r = run_step(step, _argv(step, work, a), env, work / f"{step}.log")
        runs.append(r)
        if r.returncode != 0:
            sys.exit(f"{step} failed (exit {r.returncode}); see {work / (step + '.log')}")
    compare: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
    if a.compare_limit:
        first = _fingerprint(work / "ws")
        capped = {**env, ENV: a.compare_limit}
        r = run_step(
            f"detect {ENV}={a.compare_limit}",
            _argv("detect", work, a),
            capped,
            work / "detect-capped.log",
        )
        runs.append(r)
        compare = (first, _fingerprint(work / "ws"))
    print("| step | wall | peak RSS (process tree) | load avg start → end |")
    print("| --- | --- | --- | --- |")
    for r in runs:
        m, s = divmod(r.seconds, 60)
        print(
            f"| {r.name} | {int(m)} min {s:.0f} s | {_gib(r.peak_rss)} | "
            f"{r.load_before:.1f} → {r.load_after:.1f} |"
        )
    if compare is not None:
        (fa, oa, ta), (fb, ob, tb) = compare
        same = "same" if compare[0] == compare[1] else "DIFFERENT"
        print(
            f"\nresults {same}: default {fa} operator accounts / {oa} operations / {ta} targets; "
            f"capped {fb} / {ob} / {tb}"
        )


if __name__ == "__main__":
    main()
