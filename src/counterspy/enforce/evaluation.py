"""Precision / recall of entity screening on a labelled list of names, split in two halves.

The list (positives: ``expected_id<TAB>name``; negatives: one name a line) is test data in
``tests/data/enforce/``; ``python -m benchmarks.screening_eval`` prints the numbers reported in
docs/enforcement.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from counterspy.enforce.screening import Band, Screener


def half_of(name: str) -> str:
    """Deterministic split: ``dev`` or ``holdout`` by the name's SHA-256."""
    return "dev" if hashlib.sha256(name.encode("utf-8")).digest()[0] % 2 == 0 else "holdout"


def load_labelled(positives: Path, negatives: Path) -> list[tuple[str, str | None]]:
    rows: list[tuple[str, str | None]] = []
    for line in positives.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            expected, name = line.split("\t")
            rows.append((name, expected))
    for line in negatives.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append((line, None))
    return rows


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    negatives: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(screener: Screener, rows: list[tuple[str, str | None]]) -> dict[str, Tally]:
    """A match counts when the top entity in the ``match`` band is the expected one."""
    tallies = {"dev": Tally(), "holdout": Tally()}
    for name, expected in rows:
        t = tallies[half_of(name)]
        hits = [m for m in screener.screen(name) if m.band == Band.MATCH]
        top = hits[0].entity_id if hits else None
        if expected is None:
            t.negatives += 1
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
