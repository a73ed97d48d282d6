"""Peak RSS of one detection run, per pipeline stage.

Run: ``python -m benchmarks.rss_stages --home WS [--memory-limit 8GB]``

Runs ``detect_workspace`` on the workspace ``WS`` in this process (DuckDB runs in it too, so
the process RSS is everything), sampling the RSS every 0.25 s; each sample is charged to the
stage the pipeline last announced through its progress hook. Prints the wall time, the budget
and, per stage, its start time and peak RSS. Writes ``results/`` into ``WS`` as
``counterspy detect`` does (inputs are not modified).
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from counterspy.analytics.memory import resolve_memory_budget
from counterspy.detect.run import detect_workspace
from counterspy.workspace import Workspace


@dataclass
class StagePeaks:
    """Peak RSS per stage, in the order the stages began."""

    stage: str = "start"
    began: dict[str, str] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)
    done: bool = False

    def begin(self, description: str, total: int | None = None) -> None:
        self.stage = description
        self.began.setdefault(description, time.strftime("%H:%M:%S", time.gmtime()))

    def advance(self, n: int = 1) -> None:
        del n

    def sample(self, every: float = 0.25) -> None:
        proc = psutil.Process()
        while not self.done:
            rss = proc.memory_info().rss
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)
            time.sleep(every)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", required=True, type=Path)
    ap.add_argument("--memory-limit", default=None, help="as `counterspy detect --memory-limit`")
    args = ap.parse_args()
    budget = resolve_memory_budget(args.memory_limit)
    peaks = StagePeaks()
    sampler = threading.Thread(target=peaks.sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    _, info = detect_workspace(Workspace(args.home), memory=budget, progress=peaks)
    secs = time.perf_counter() - t0
    peaks.done = True
    sampler.join()
    print(f"{info.n_events:,} events in {secs:.0f} s; {budget.describe()}")
    for stage, peak in peaks.peaks.items():
        print(f"{peaks.began.get(stage, '')} {stage:34s} {peak / 2**30:6.2f} GiB")
    print(f"peak {max(peaks.peaks.values()) / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
