"""Pool the rows of a ``benchmarks.eval_detect`` run by stealth level and seed split.

Run: ``python -m benchmarks.eval_summary OUT.txt`` (the JSON lines ``eval_detect`` prints).
Seeds 1–20 are the tuning split, 21–40 validation, anything above fresh or extra seeds. Per
split: mean operator precision / recall, target precision / recall and attribution over the
seeds, the operators found and non-operators flagged (summed), operations found and correctly
attributed (summed over firms) and benign confounders flagged — the lines quoted in
docs/detection.md ("summary lines").
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

Row = dict[str, Any]

SPLITS = (("tuning 1-20", 1, 20), ("valid 21-40", 21, 40), ("other", 41, 10**9))


def summary(name: str, rows: list[Row]) -> str:
    """One line for ``rows`` (one ``eval_detect`` row per seed)."""

    def mean(key: str) -> float:
        return statistics.mean(float(r[key]) for r in rows)

    false_pos = sum(round(r["flagged"] * (1 - r["operator_precision"])) for r in rows)
    found = sum(r["flagged"] for r in rows) - false_pos
    operators = sum(r["operators_true"] for r in rows)
    firms = [f for r in rows for f in r["per_firm"].values()]
    ops = sum(f["operations"] for f in firms)
    ops_found = sum(f["operations_found"] for f in firms)
    ops_attr = sum(f["operations_attributed"] for f in firms)
    conf = sum(r["confounders_flagged"] for r in rows)
    conf_n = sum(r["confounders"] for r in rows)
    return (
        f"{name}: P {mean('operator_precision'):.3f} R {mean('operator_recall'):.3f} "
        f"tP {mean('target_precision'):.3f} tR {mean('target_recall'):.3f} "
        f"attr {mean('attribution_accuracy'):.3f} | found {found}/{operators} "
        f"nonops {false_pos} | ops found {ops_found}/{ops} attributed {ops_attr} "
        f"| conf {conf}/{conf_n}"
    )


def lines(rows: list[Row]) -> list[str]:
    out = []
    for stealth in sorted({int(r["stealth"]) for r in rows}):
        for name, lo, hi in SPLITS:
            part = [r for r in rows if r["stealth"] == stealth and lo <= r["seed"] <= hi]
            if part:
                out.append(summary(f"st{stealth} {name}", part))
    return out


def read_rows(path: Path) -> list[Row]:
    return [json.loads(s) for s in path.read_text().splitlines() if s.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", type=Path, help="eval_detect's printed output")
    args = ap.parse_args()
    print("\n".join(lines(read_rows(args.output))))


if __name__ == "__main__":
    main()
