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

import time
from typing import Any

from benchmarks.onoff import Run, detection_run, main


def _run_once(home: str, on: bool) -> Run:
    import counterspy.detect.pipeline as pipeline
    from counterspy.detect.opevidence import OperationEvidence
    from counterspy.detect.pipeline import DetectionConfig

    stage = {"seconds": 0.0}
    inner = pipeline.admit

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            stage["seconds"] += time.perf_counter() - t

    pipeline.admit = timed

    def admitted(signals: Any) -> int:
        return int((signals["detector"] == "operation.evidence").sum())

    run = detection_run(home, DetectionConfig(op_evidence=OperationEvidence(enabled=on)), admitted)
    return run | {"stage_seconds": stage["seconds"]}


if __name__ == "__main__":
    main("bench_opevidence", 5_000_000, _run_once)
