"""What operation expansion costs: detection end to end with the step off and on.

Run: ``python -m benchmarks.bench_expand --events 10000000 --repeat 3``.

One synthetic platform (``benchmarks.synth``) in a temporary workspace; each repeat runs
``detect_workspace`` without and then with operation expansion, each in a fresh subprocess
(peak RSS per run), alternating so both see the same machine load. Prints the medians, the
ratio, and how many accounts the step admitted.
"""

from __future__ import annotations

from typing import Any

from benchmarks.onoff import Run, detection_run, main


def _run_once(home: str, expansion: bool) -> Run:
    from counterspy.detect.expand import OperationExpansion
    from counterspy.detect.pipeline import DetectionConfig

    config = DetectionConfig(expansion=OperationExpansion(enabled=expansion))

    def admitted(signals: Any) -> int:
        return int((signals["signal"] == "operation_expansion").sum())

    return detection_run(home, config, admitted)


if __name__ == "__main__":
    main("bench_expand", 10_000_000, _run_once)
