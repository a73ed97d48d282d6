"""Every flagged non-operator, with the signal rows that flagged or admitted it.

Run after ``benchmarks.eval_detect`` has detected the platforms under ``--work`` (it reads the
results it wrote, never re-detects):
``python -m benchmarks.false_positives --seeds $(seq 1 40) --stealth 2 --work DIR``.

Per flagged account that is no operator in the simulator's truth: its confounder kind
(``ordinary`` when none), score, operation (firm, members, how many of them operators), and
each of its signal rows (detector, value, weight, the evidence sentence, shortened). Then a
count per admitting detector. The precision classes in docs/detection.md are read from it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd

from counterspy.detect.results import read_result
from counterspy.workspace import Workspace

# A flagged account's "admission": the first of these detectors it carries, else the score.
ADMISSIONS = ("operation.expansion", "operation.weak_ring", "operation.link_ring")


def _admission(detectors: set[str]) -> str:
    hits = [d for d in ADMISSIONS if d in detectors]
    if hits:
        return hits[0]
    if "operation.evidence" in detectors:
        return "operation.evidence"
    return "per-account score"


def report(work: Path, seed: int, stealth: int, width: int) -> Counter[str]:
    d = work / f"sim-{seed}-{stealth}"
    ws = Workspace(d / "home")
    acc = read_result(ws, "accounts")
    sig = read_result(ws, "signals")
    truth = d / "sim" / "truth"
    operators = set(pd.read_parquet(truth / "operators.parquet")["account_id"])
    conf = pd.read_parquet(truth / "confounders.parquet")
    kinds = conf.groupby("account_id")["kind"].agg(lambda s: ",".join(sorted(s)))
    flagged = acc[acc["flagged"]]
    size = flagged.groupby("operation_id")["account_id"].count()
    n_ops = flagged[flagged["account_id"].isin(operators)].groupby("operation_id").size()
    out: Counter[str] = Counter()
    fps = flagged[~flagged["account_id"].isin(operators)]
    for r in fps.itertuples():
        rows = sig[sig["account_id"] == r.account_id]
        how = _admission(set(rows["detector"]))
        out[how] += 1
        print(
            f"seed {seed} {r.account_id} {kinds.get(r.account_id, 'ordinary')} "
            f"score {r.score:.2f} {r.operation_id} [{r.firm}] members "
            f"{size.get(r.operation_id, 0)} (operators {n_ops.get(r.operation_id, 0)}); {how}"
        )
        for s in rows.itertuples():
            print(f"    {s.detector:34s} {s.value:7.2f} w {s.weight:+.2f} | {s.evidence[:width]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, default=2)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--width", type=int, default=160, help="evidence characters shown")
    args = ap.parse_args()
    total: Counter[str] = Counter()
    for seed in args.seeds:
        total += report(args.work, seed, args.stealth, args.width)
    print("\nflagged non-operators per admission:")
    for how, n in total.most_common():
        print(f"    {n:3d}  {how}")


if __name__ == "__main__":
    main()
