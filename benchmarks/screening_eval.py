"""Precision / recall of entity screening on the bundled evaluation list, per half.

Run: ``python -m benchmarks.screening_eval`` from the repository root. Half of the list (``dev``)
was used while building the matcher; see docs/enforcement.md for what was seen when.
"""

from __future__ import annotations

import time
from pathlib import Path

from counterspy.enforce.entities import load_seed
from counterspy.enforce.evaluation import evaluate, load_labelled
from counterspy.enforce.screening import Screener

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "enforce"


def main() -> None:
    rows = load_labelled(DATA / "screening_positives.tsv", DATA / "screening_negatives.txt")
    screener = Screener(load_seed().entities)
    start = time.perf_counter()
    tallies = evaluate(screener, rows)
    elapsed = time.perf_counter() - start
    for half, t in tallies.items():
        print(
            f"{half}: positives={t.positives} negatives={t.negatives} TP={t.tp} FP={t.fp}"
            f" FN={t.fn} TN={t.tn} precision={t.precision:.3f} recall={t.recall:.3f}"
        )
        for m in t.misses:
            print("  miss:", m)
        for f in t.false_alarms:
            print("  false alarm:", f)
    per_name = elapsed / len(rows) * 1000
    print(f"screened {len(rows)} names in {elapsed:.2f}s ({per_name:.2f} ms/name)")


if __name__ == "__main__":
    main()
