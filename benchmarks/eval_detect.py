"""Detection accuracy over simulator seeds and stealth levels: the numbers in docs/detection.md.

Run: ``python -m benchmarks.eval_detect --seeds 201 202 203 --stealth 0 1 2 3 --work DIR``
(``--no-expansion``: without operation expansion, ``--no-op-evidence``: without the
operation-evidence admissions, ``--no-weak-rings``: without weak-ring operations,
``--no-rotating-addresses``: without the rotating-address rule, ``--co-action-gap 0``: co-action
in calendar buckets without the sliding 7-day gap, for before/after comparisons).

For each (seed, stealth): ``counterspy simulate`` (20,000 accounts, 30 days, unless
``--accounts``), ingest into a fresh workspace, ``detect`` with default settings (built-in link
heuristic, no indicator files), then ``evaluate`` against the simulator's truth. Simulated
platforms are kept under ``--work`` (``sim-<seed>-<stealth>/``) and reused when present, so a
re-run only re-detects. Prints one line per run, a markdown table, per-stealth means, and per
firm / per confounder kind aggregated over the seeds of each stealth level.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from counterspy.detect.coordination import CoAction, SharedInfrastructure
from counterspy.detect.evaluate import Evaluation, evaluate
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.opevidence import OperationEvidence
from counterspy.detect.pipeline import DetectionConfig
from counterspy.detect.rotating import RotatingAddresses
from counterspy.detect.run import detect_workspace
from counterspy.detect.weakring import WeakRings
from counterspy.ingest import simulator
from counterspy.ingest.load import ingest
from counterspy.workspace import Workspace

METRICS = (
    "operator_precision",
    "operator_recall",
    "target_precision",
    "target_recall",
    "target_phase_accuracy",
    "attribution_accuracy",
    "confounder_fpr",
)


def _platform(work: Path, seed: int, stealth: int, accounts: int) -> tuple[Workspace, Path]:
    d = work / f"sim-{seed}-{stealth}"
    ws = Workspace(d / "home")
    if not (d / "home" / "loads").is_dir():
        cfg = simulator.SimulationConfig(accounts=accounts, seed=seed, stealth=stealth)
        simulator.simulate(cfg, d / "sim")
        ingest(ws, [d / "sim"])
    return ws, d / "sim" / "truth"


def _row(seed: int, stealth: int, ev: Evaluation, secs: float) -> str:
    return (
        f"| {stealth} | {seed} | {ev.operator_precision:.3f} | {ev.operator_recall:.3f} | "
        f"{ev.target_precision:.3f} | {ev.target_recall:.3f} | {ev.target_phase_accuracy:.3f} | "
        f"{ev.attribution_accuracy:.3f} | {ev.confounder_fpr:.2%} "
        f"({ev.confounders_flagged}/{ev.confounders}) | "
        f"{ev.operations_true}/{ev.operations_predicted} | {secs:.1f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument(
        "--no-expansion",
        action="store_true",
        help="detect without operation expansion (the before of a before/after comparison)",
    )
    ap.add_argument(
        "--no-op-evidence",
        action="store_true",
        help="detect without the operation-evidence admissions (detect/opevidence.py)",
    )
    ap.add_argument(
        "--no-weak-rings",
        action="store_true",
        help="detect without weak-ring operations (detect/weakring.py)",
    )
    ap.add_argument(
        "--no-rotating-addresses",
        action="store_true",
        help="addresses link accounts even from pools they rotate through (detect/rotating.py)",
    )
    ap.add_argument(
        "--co-action-gap",
        type=float,
        default=CoAction().max_gap_hours,
        help="co-action pairs only within this many hours of each other (sliding window; "
        "0: the calendar bucket alone, the rule off)",
    )
    ap.add_argument(
        "--op-evidence-rounds",
        type=int,
        default=OperationEvidence().rounds,
        help="rounds of operation-evidence admission",
    )
    args = ap.parse_args()
    config = DetectionConfig(
        expansion=OperationExpansion(enabled=not args.no_expansion),
        op_evidence=OperationEvidence(
            enabled=not args.no_op_evidence, rounds=args.op_evidence_rounds
        ),
        weak_rings=WeakRings(enabled=not args.no_weak_rings),
        co_action=CoAction(max_gap_hours=args.co_action_gap or None),
        infrastructure=SharedInfrastructure(
            rotating=RotatingAddresses(enabled=not args.no_rotating_addresses)
        ),
    )
    results: dict[int, list[Evaluation]] = defaultdict(list)
    rows = []
    for stealth in args.stealth:
        for seed in args.seeds:
            ws, truth = _platform(args.work, seed, stealth, args.accounts)
            t0 = time.perf_counter()
            detect_workspace(ws, config=config)
            secs = time.perf_counter() - t0
            ev = evaluate(ws, truth)
            results[stealth].append(ev)
            rows.append(_row(seed, stealth, ev, secs))
            print(json.dumps({"seed": seed, "stealth": stealth, **asdict(ev)}), flush=True)
    print(
        "\n| stealth | seed | op. precision | op. recall | target precision | target recall "
        "| phase acc. | attribution | confounder FPR (flagged/benign) | ops true/pred | s |"
    )
    print("|" + "---|" * 11)
    print("\n".join(rows))
    print()
    for stealth, evs in results.items():
        means = {m: statistics.mean(getattr(e, m) for e in evs) for m in METRICS}
        flagged = sum(e.confounders_flagged for e in evs)
        total = sum(e.confounders for e in evs)
        print(
            f"stealth {stealth} means: "
            + ", ".join(f"{m} {v:.3f}" for m, v in means.items() if m != "confounder_fpr")
            + f", confounder FPR {flagged}/{total} = {flagged / max(total, 1):.2%}"
        )
        firms: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
        for e in evs:
            for f, s in e.per_firm.items():
                acc = firms[f]
                acc[0] += s.operators
                acc[1] += s.detected
                acc[2] += s.operations
                acc[3] += s.operations_found
                acc[4] += s.operations_attributed
                acc[5] += s.operations_whole
        print(
            "  per firm (recall; operations found/attributed/whole of n): "
            + "; ".join(
                f"{f} {d / max(o, 1):.2f} ({fo}/{at}/{wh} of {n})"
                for f, (o, d, n, fo, at, wh) in sorted(firms.items())
            )
        )
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for e in evs:
            for k, c in e.per_confounder.items():
                kinds[k][0] += c.flagged
                kinds[k][1] += c.accounts
        print(
            "  per confounder kind (flagged/benign): "
            + "; ".join(f"{k} {fl}/{n}" for k, (fl, n) in sorted(kinds.items()))
        )


if __name__ == "__main__":
    main()
