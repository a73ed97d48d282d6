"""Which true operations were missed or misattributed, and why: the lists in docs/detection.md.

Run after ``benchmarks.eval_detect`` has detected the platforms under ``--work`` (it reads the
results it wrote, never re-detects):
``python -m benchmarks.attr_errors --seeds 1 2 3 --stealth 2 --work DIR``.

For every true operation that is not found (fewer than half its operators flagged) or found
but not correctly attributed, one line: its flagged share, the predicted operations holding
its flagged operators (with their firm and what true operations they mix), and the rationale
of the main one. Then a count per cause.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pandas as pd

from counterspy.detect.results import read_result
from counterspy.workspace import Workspace


def _causes(work: Path, seed: int, stealth: int, verbose: bool) -> Counter[str]:
    d = work / f"sim-{seed}-{stealth}"
    ws = Workspace(d / "home")
    ops_t = pd.read_parquet(d / "sim" / "truth" / "operators.parquet")
    acc = read_result(ws, "accounts")
    opr = read_result(ws, "operations")
    flagged = acc[acc["flagged"]]
    op_of = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    firm_of = dict(zip(opr["operation_id"], opr["firm"], strict=True))
    why = dict(zip(opr["operation_id"], opr["rationale"], strict=True))
    true_op = dict(zip(ops_t["account_id"], ops_t["operation_id"], strict=True))
    out: Counter[str] = Counter()
    for top, g in ops_t.groupby("operation_id", sort=True):
        firm = str(g["firm"].iloc[0])
        got = [op_of[a] for a in g["account_id"] if a in op_of]
        counts = pd.Series(got, dtype=object).value_counts()
        if not got:
            cause = "not found: no operator flagged"
        elif len(got) * 2 < len(g):
            cause = "not found: fewer than half flagged"
        else:
            main = min(counts.index[counts == counts.iloc[0]])
            mix = Counter(true_op.get(a, "benign") for a, o in op_of.items() if o == main)
            if firm_of.get(main) == firm:
                continue
            if len(mix) > 1 and mix.most_common(1)[0][0] != top:
                cause = "found: main piece dominated by another operation"
            elif firm_of.get(main) == "unattributed":
                cause = "found: left unattributed"
            else:
                cause = f"found: read as {firm_of.get(main)}"
        out[f"{firm}: {cause}"] += 1
        if verbose:
            pieces = ", ".join(f"{p}[{firm_of.get(p)}]x{n}" for p, n in counts.items())
            print(f"seed {seed} {top}: {len(got)}/{len(g)} flagged; {cause}; pieces {pieces}")
            if len(counts):
                print(f"    {why.get(counts.index[0], '')[:400]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, default=2)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--quiet", action="store_true", help="only the counts per cause")
    args = ap.parse_args()
    total: Counter[str] = Counter()
    for seed in args.seeds:
        total += _causes(args.work, seed, args.stealth, not args.quiet)
    print("\ncauses (true operations not found or not correctly attributed):")
    for cause, n in sorted(total.items()):
        print(f"  {n:3d}  {cause}")


if __name__ == "__main__":
    main()
