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

from benchmarks.onoff import Run, main, staged_run


def _run_once(home: str, on: bool) -> Run:
    from counterspy.detect.pipeline import DetectionConfig
    from counterspy.detect.weakring import DETECTOR, WeakRings

    config = DetectionConfig(weak_rings=WeakRings(enabled=on))
    return staged_run(home, config, "admit_rings", DETECTOR)


if __name__ == "__main__":
    main("bench_weakring", 1_000_000, _run_once)
