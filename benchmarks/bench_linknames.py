"""What the session-7 link rules cost: detection end to end with them off and on.

Run: ``python -m benchmarks.bench_linknames --events 1000000 --repeat 3``.

"Off" is the detection before these rules: no protected-brand name verdicts
(``LinkHeuristic(named_max_senders=0)``) and ``operation_own_domain`` counting only links to
the operation's targets (``OperationEvidence(own_domain_at_risk=False)``). One synthetic
platform (``benchmarks.synth``) in a temporary workspace; each repeat runs
``detect_workspace`` off and then on, each in a fresh subprocess, alternating so both see the
same machine load. Both runs also time the link-judging step (``pipeline.judge_domains``,
where the brand index is built and the names are read). Prints medians, the ratio, and the
accounts with an exploitation signal (``exploitation.malicious_links`` rows).
"""

from __future__ import annotations

from benchmarks.onoff import Run, main, staged_run


def _run_once(home: str, on: bool) -> Run:
    from counterspy.detect.links import LinkHeuristic
    from counterspy.detect.opevidence import OperationEvidence
    from counterspy.detect.pipeline import DetectionConfig

    config = (
        DetectionConfig()
        if on
        else DetectionConfig(
            links=LinkHeuristic(named_max_senders=0),
            op_evidence=OperationEvidence(own_domain_at_risk=False),
        )
    )
    return staged_run(home, config, "judge_domains", "exploitation.malicious_links")


if __name__ == "__main__":
    main("bench_linknames", 1_000_000, _run_once)
