"""What the weak-ring step costs: detection end to end with the step off and on.

Run: ``python -m benchmarks.bench_weakring --events 1000000 --repeat 3``.

One synthetic platform (``benchmarks.synth``) in a temporary workspace; each repeat runs
``detect_workspace`` without and then with the step (``DetectionConfig.weak_rings``), each in a
fresh subprocess (peak RSS per run), alternating so both see the same machine load. The "on"
runs also time the step itself (``pipeline.admit_rings``, wrapped with a timer in the child),
the least noisy number on a shared machine. Prints medians, the ratio, and how many accounts
the step put in rings.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.onoff import Run, detection_run, main


def _run_once(home: str, on: bool) -> Run:
    import counterspy.detect.pipeline as pipeline
    from counterspy.detect.pipeline import DetectionConfig
    from counterspy.detect.weakring import DETECTOR, WeakRings

    stage = {"seconds": 0.0}
    inner = pipeline.admit_rings

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            stage["seconds"] += time.perf_counter() - t

    pipeline.admit_rings = timed

    def admitted(signals: Any) -> int:
        return int((signals["detector"] == DETECTOR).sum())

    run = detection_run(home, DetectionConfig(weak_rings=WeakRings(enabled=on)), admitted)
    return run | {"stage_seconds": stage["seconds"]}


if __name__ == "__main__":
    main("bench_weakring", 1_000_000, _run_once)
