"""What the operation-evidence admissions cost: detection end to end with the step off and on.

Run: ``python -m benchmarks.bench_opevidence --events 5000000 --repeat 3``.

One synthetic platform (``benchmarks.synth``) in a temporary workspace; each repeat runs
``detect_workspace`` without and then with the step (``DetectionConfig.op_evidence``), each
in a fresh subprocess (peak RSS per run), alternating so both see the same machine load. The
"on" runs also time the step itself (``pipeline.admit``, wrapped with a timer in the child), the
least noisy number on a shared machine. Prints medians, the ratio, and how many accounts the
step admitted.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _run_once(home: str, on: bool) -> dict[str, float]:
    import counterspy.detect.pipeline as pipeline
    from counterspy.detect.opevidence import OperationEvidence
    from counterspy.detect.pipeline import DetectionConfig
    from counterspy.detect.run import detect_workspace
    from counterspy.workspace import Workspace

    stage = {"seconds": 0.0}
    inner = pipeline.admit

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            stage["seconds"] += time.perf_counter() - t

    pipeline.admit = timed
    config = DetectionConfig(op_evidence=OperationEvidence(enabled=on))
    t0 = time.perf_counter()
    result, info = detect_workspace(Workspace(Path(home)), config=config)
    secs = time.perf_counter() - t0
    admitted = int((result.signals["detector"] == "operation.evidence").sum())
    return {
        "seconds": secs,
        "stage_seconds": stage["seconds"],
        "events": info.n_events,
        "flagged": int(result.accounts["flagged"].sum()),
        "admitted": admitted,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--on", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_run_once(args.child, args.on)))
        return
    from benchmarks.synth import generate

    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.events, seed=args.seed)
        for _ in range(args.repeat):
            for mode in ("off", "on"):
                cmd = [sys.executable, "-m", "benchmarks.bench_opevidence", "--child", tmp]
                out = subprocess.run(
                    cmd + (["--on"] if mode == "on" else []),
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(mode, runs[mode][-1], file=sys.stderr, flush=True)
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in runs.items()}
    report = {
        "events": runs["on"][0]["events"],
        "seconds_median_without": round(med["off"], 2),
        "seconds_median_with": round(med["on"], 2),
        "ratio": round(med["on"] / med["off"], 3),
        "stage_seconds_median": round(statistics.median(r["stage_seconds"] for r in runs["on"]), 2),
        "runs_without": [round(r["seconds"], 2) for r in runs["off"]],
        "runs_with": [round(r["seconds"], 2) for r in runs["on"]],
        "peak_rss_gib_without": round(max(r["peak_rss_gib"] for r in runs["off"]), 2),
        "peak_rss_gib_with": round(max(r["peak_rss_gib"] for r in runs["on"]), 2),
        "flagged_without": runs["off"][0]["flagged"],
        "flagged_with": runs["on"][0]["flagged"],
        "admitted": runs["on"][0]["admitted"],
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
