"""Precision / recall of entity screening on the bundled evaluation list, per half.

Run: ``python -m benchmarks.screening_eval`` from the repository root. The list lives in
``tests/data/enforce/``; half of it (``dev``) was used while building the matcher, the other
half (``holdout``) was not looked at until the method was fixed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from counterspy.enforce.screening import Band, screen

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "enforce"


def half_of(name: str) -> str:
    """Deterministic split: ``dev`` or ``holdout`` by the name's SHA-256."""
    return "dev" if hashlib.sha256(name.encode("utf-8")).digest()[0] % 2 == 0 else "holdout"


def load() -> list[tuple[str, str | None]]:
    rows: list[tuple[str, str | None]] = []
    for line in (DATA / "screening_positives.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            expected, name = line.split("\t")
            rows.append((name, expected))
    for line in (DATA / "screening_negatives.txt").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append((line, None))
    return rows


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate() -> dict[str, Tally]:
    tallies = {"dev": Tally(), "holdout": Tally()}
    for name, expected in load():
        t = tallies[half_of(name)]
        hits = [m for m in screen(name) if m.band == Band.MATCH]
        top = hits[0].entity_id if hits else None
        if expected is None:
            if top is None:
                t.tn += 1
            else:
                t.fp += 1
                t.false_alarms.append(f"{name} -> {hits[0].explain()}")
        elif top == expected:
            t.tp += 1
        else:
            t.fn += 1
            if top is not None:  # matched the wrong entity: also a false alarm
                t.fp += 1
            t.misses.append(f"{name} (want {expected}, got {top})")
    return tallies


def main() -> None:
    start = time.perf_counter()
    tallies = evaluate()
    elapsed = time.perf_counter() - start
    for half, t in tallies.items():
        print(
            f"{half}: positives={t.tp + t.fn} negatives={t.tn + t.fp - (t.fp - len(t.false_alarms))}"
            f" TP={t.tp} FP={t.fp} FN={t.fn} TN={t.tn}"
            f" precision={t.precision:.3f} recall={t.recall:.3f}"
        )
        for m in t.misses:
            print("  miss:", m)
        for f in t.false_alarms:
            print("  false alarm:", f)
    print(
        f"screened {sum(t.tp + t.fn + t.tn + len(t.false_alarms) for t in tallies.values())} names in {elapsed:.2f}s"
    )


if __name__ == "__main__":
    main()
