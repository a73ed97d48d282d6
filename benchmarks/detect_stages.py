"""Per-stage detection times on an existing workspace, this code against a peer code tree.

Run: ``python -m benchmarks.detect_stages --home WS --repeat 3 --peer-src OTHER/src``.

Each repeat runs ``detect_workspace`` end to end in a fresh subprocess, once with this
checkout's ``src`` and once with ``--peer-src`` (another checkout of the package, e.g. the main
branch), alternating so both see the same machine load. Stage boundaries are the pipeline's
own progress hooks (``Progress.begin``); a stage's time runs until the next one begins. The
workspace's ``results/`` are overwritten by every run (timing only: compare results with
``benchmarks.detect_same``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Timer:
    """A :class:`counterspy.progress.Progress` that records when each stage begins."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []
        self.cpu_marks: list[float] = []

    def begin(self, description: str, total: float | None = None) -> None:
        self.marks.append((description, time.perf_counter()))
        self.cpu_marks.append(_cpu())

    def advance(self, amount: float = 1) -> None:
        return None

    def stages(self, end: float) -> dict[str, float]:
        out: dict[str, float] = {}
        ends = [t for _, t in self.marks[1:]] + [end]
        for (name, start), stop in zip(self.marks, ends, strict=True):
            out[name] = round(out.get(name, 0.0) + stop - start, 3)
        return out

    def cpu_stages(self, end: float) -> dict[str, float]:
        out: dict[str, float] = {}
        ends = [*self.cpu_marks[1:], end]
        for (name, _), start, stop in zip(self.marks, self.cpu_marks, ends, strict=True):
            out[name] = round(out.get(name, 0.0) + stop - start, 2)
        return out


def _child(home: str) -> dict[str, object]:
    from counterspy.detect.run import detect_workspace
    from counterspy.workspace import Workspace

    timer = _Timer()
    t0 = time.perf_counter()
    c0 = _cpu()
    _, info = detect_workspace(Workspace(Path(home)), progress=timer)
    end = time.perf_counter()
    cpu_end = _cpu()
    return {
        "seconds": round(end - t0, 3),
        # CPU seconds of every thread (DuckDB's too): steadier than wall time under load.
        "cpu_seconds": round(cpu_end - c0, 2),
        "events": info.n_events,
        "stages": timer.stages(end),
        "cpu_stages": timer.cpu_stages(cpu_end),
    }


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _run(src: str, home: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{ROOT}")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.detect_stages", "--child", home],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _median_stages(runs: list[dict[str, object]], key: str = "stages") -> dict[str, float]:
    names: list[str] = []
    for r in runs:
        for n in r[key]:  # type: ignore[attr-defined]
            if n not in names:
                names.append(n)
    return {
        n: round(statistics.median(r[key].get(n, 0.0) for r in runs), 2)  # type: ignore[attr-defined]
        for n in names
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", help="workspace with committed loads (results/ is overwritten)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-src", default=None, help="another checkout's src to alternate with")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child)))
        return
    if not args.home:
        ap.error("--home is required")
    codes = {"this": str(ROOT / "src")}
    if args.peer_src:
        codes["peer"] = args.peer_src
    runs: dict[str, list[dict[str, object]]] = {k: [] for k in codes}
    for _ in range(args.repeat):
        for name, src in codes.items():
            r = _run(src, args.home)
            runs[name].append(r)
            print(name, json.dumps(r), file=sys.stderr, flush=True)
    report: dict[str, object] = {"load_average": os.getloadavg()}
    for name, rs in runs.items():
        secs = statistics.median(float(r["seconds"]) for r in rs)  # type: ignore[arg-type]
        report[name] = {
            "seconds_median": round(secs, 2),
            "runs": [r["seconds"] for r in rs],
            "cpu_seconds_median": statistics.median(float(r["cpu_seconds"]) for r in rs),  # type: ignore[arg-type]
            "cpu_runs": [r["cpu_seconds"] for r in rs],
            "events_per_second": round(float(rs[0]["events"]) / secs),  # type: ignore[arg-type]
            "stages_median": _median_stages(rs),
            "cpu_stages_median": _median_stages(rs, "cpu_stages"),
        }
    if "peer" in report:
        this, peer = report["this"], report["peer"]
        for key in ("seconds_median", "cpu_seconds_median"):
            report[f"this_over_peer_{key}"] = round(this[key] / peer[key], 3)  # type: ignore[index]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
