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

from benchmarks.onoff import Run, main, staged_run


def _run_once(home: str, on: bool) -> Run:
    from counterspy.detect.opevidence import OperationEvidence
    from counterspy.detect.pipeline import DetectionConfig

    config = DetectionConfig(op_evidence=OperationEvidence(enabled=on))
    return staged_run(home, config, "admit", "operation.evidence")


if __name__ == "__main__":
    main("bench_opevidence", 5_000_000, _run_once)
