"""Shared driver of the "detection with one step off and on" benchmarks (``bench_expand``,
``bench_opevidence``): one synthetic platform (``benchmarks.synth``) in a temporary
workspace; each repeat runs the module's ``--child`` without and then with the step, each in
a fresh subprocess (peak RSS per run), alternating so both see the same machine load."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = dict[str, float]


def detection_run(home: str, config: Any, admitted_by: Callable[[Any], int]) -> Run:
    """One detection of the workspace at ``home`` with ``config`` (in the child process)."""
    from counterspy.detect.run import detect_workspace
    from counterspy.workspace import Workspace

    t0 = time.perf_counter()
    result, info = detect_workspace(Workspace(Path(home)), config=config)
    return {
        "seconds": time.perf_counter() - t0,
        "events": info.n_events,
        "flagged": int(result.accounts["flagged"].sum()),
        "admitted": admitted_by(result.signals),
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def staged_run(home: str, config: Any, step: str, detector: str) -> Run:
    """:func:`detection_run`, also timing the pipeline step ``step`` (a function
    ``counterspy.detect.pipeline`` calls, wrapped with a timer in this child process) and
    counting the signal rows of ``detector`` as admissions."""
    import counterspy.detect.pipeline as pipeline

    stage = {"seconds": 0.0}
    inner = getattr(pipeline, step)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            stage["seconds"] += time.perf_counter() - t

    setattr(pipeline, step, timed)

    def admitted(signals: Any) -> int:
        return int((signals["detector"] == detector).sum())

    return detection_run(home, config, admitted) | {"stage_seconds": stage["seconds"]}


def main(module: str, default_events: int, run_once: Callable[[str, bool], Run]) -> None:
    ap = argparse.ArgumentParser(prog=f"python -m benchmarks.{module}")
    ap.add_argument("--events", type=int, default=default_events)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--on", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_once(args.child, args.on)))
        return
    from benchmarks.synth import generate

    runs: dict[str, list[Run]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.events, seed=args.seed)
        for _ in range(args.repeat):
            for mode in ("off", "on"):
                cmd = [sys.executable, "-m", f"benchmarks.{module}", "--child", tmp]
                out = subprocess.run(
                    cmd + (["--on"] if mode == "on" else []),
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(mode, runs[mode][-1], file=sys.stderr, flush=True)
    print(json.dumps(report(runs), indent=2))


def report(runs: dict[str, list[Run]]) -> dict[str, Any]:
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in runs.items()}
    out: dict[str, Any] = {
        "events": runs["on"][0]["events"],
        "seconds_median_without": round(med["off"], 2),
        "seconds_median_with": round(med["on"], 2),
        "ratio": round(med["on"] / med["off"], 3),
    }
    if "stage_seconds" in runs["on"][0]:
        stage = statistics.median(r["stage_seconds"] for r in runs["on"])
        out["stage_seconds_median"] = round(stage, 2)
    out |= {
        "runs_without": [round(r["seconds"], 2) for r in runs["off"]],
        "runs_with": [round(r["seconds"], 2) for r in runs["on"]],
        "peak_rss_gib_without": round(max(r["peak_rss_gib"] for r in runs["off"]), 2),
        "peak_rss_gib_with": round(max(r["peak_rss_gib"] for r in runs["on"]), 2),
        "flagged_without": runs["off"][0]["flagged"],
        "flagged_with": runs["on"][0]["flagged"],
        "admitted": runs["on"][0]["admitted"],
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    return out
