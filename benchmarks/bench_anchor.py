"""What operation expansion's time anchor and late round cost: detection end to end with
both off (``anchor_gap_hours=None, late_round=False``: core targets only, one round) and on
(the defaults).

Run: ``python -m benchmarks.bench_anchor --events 10000000 --repeat 3``.

One synthetic platform (``benchmarks.synth``) in a temporary workspace; each repeat runs
``detect_workspace`` off and then on, each in a fresh subprocess, alternating so both see the
same machine load. The runs also time the expansion step itself (``pipeline._expand``, both
rounds, wrapped with a timer in the child), the least noisy number on a shared machine.
"""

from __future__ import annotations

from benchmarks.onoff import Run, main, staged_run


def _run_once(home: str, on: bool) -> Run:
    from counterspy.detect.expand import DETECTOR, OperationExpansion
    from counterspy.detect.pipeline import DetectionConfig

    policy = (
        OperationExpansion() if on else OperationExpansion(anchor_gap_hours=None, late_round=False)
    )
    return staged_run(home, DetectionConfig(expansion=policy), "_expand", DETECTOR)


if __name__ == "__main__":
    main("bench_anchor", 10_000_000, _run_once)
