"""What the exploitation-spread rules cost: detection end to end with them off and on.

Run: ``python -m benchmarks.bench_spread --events 1000000 --repeat 3``.

"Off" is the detection before these rules: no spread verdicts
(``LinkHeuristic(spread_max_senders=0)``), no ``operation_bad_domain`` admissions
(``OperationEvidence(max_bad_domain_senders=0)``) and no link rings
(``LinkRings(enabled=False)``). One synthetic platform (``benchmarks.synth``) in a temporary
workspace; each repeat runs ``detect_workspace`` off and then on, each in a fresh subprocess,
alternating so both see the same machine load. The "on" runs also time the link-ring step
(``pipeline.admit_link_rings``). Prints medians, the ratio, and the link-ring members.
"""

from __future__ import annotations

from benchmarks.onoff import Run, main, staged_run


def _run_once(home: str, on: bool) -> Run:
    from counterspy.detect.linkring import DETECTOR, LinkRings
    from counterspy.detect.links import LinkHeuristic
    from counterspy.detect.opevidence import OperationEvidence
    from counterspy.detect.pipeline import DetectionConfig

    config = (
        DetectionConfig()
        if on
        else DetectionConfig(
            links=LinkHeuristic(spread_max_senders=0),
            op_evidence=OperationEvidence(max_bad_domain_senders=0),
            link_rings=LinkRings(enabled=False),
        )
    )
    return staged_run(home, config, "admit_link_rings", DETECTOR)


if __name__ == "__main__":
    main("bench_spread", 1_000_000, _run_once)
