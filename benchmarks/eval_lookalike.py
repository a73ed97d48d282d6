"""Lookalike recall on real Cytrox domains and false positives on popular benign domains.

    python -m benchmarks.eval_lookalike [--shared ../shared/data] [--show-misses dev]

No indicator is loaded: only the bundled brand list and the lookalike/risk rules judge. The
Cytrox list (Meta, Dec 2021) is split by SHA-256 of the domain into a *dev* half (rules were
adjusted while looking at it) and a *held-out* half (never inspected while tuning). The benign
list is tests/data/benign_domains.txt (provenance in its header).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import Counter
from pathlib import Path

from counterspy.infra.brands import bundled_brands
from counterspy.infra.indicator_index import IndicatorIndex
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.risk import is_abused_tld
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.normalize import split_host

REPO = Path(__file__).resolve().parents[1]
CYTROX_CSV = "meta/2021_12_taking_action_against_surveillance_for_hire.csv"
SHORTENER_CODES = {"shortener", "lookalike.shortener_like"}


def half(domain: str) -> str:
    return "dev" if int(hashlib.sha256(domain.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def cytrox_domains(shared: Path) -> list[str]:
    with (shared / CYTROX_CSV).open(encoding="utf-8") as fh:
        values = [r["indicator_value"].strip().lower() for r in csv.DictReader(fh)]
    # The split row pair (fbc82…d4 + 519c….xyz) is one domain: count it once, joined.
    out: list[str] = []
    for v in values:
        if out and "." not in out[-1]:
            out[-1] = out[-1] + v
        else:
            out.append(v)
    return out


def benign_domains() -> list[str]:
    path = REPO / "tests" / "data" / "benign_domains.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def miss_category(engine: VerdictEngine, domain: str) -> str:
    la = engine.lookalikes
    assert la is not None
    _sub, dom, suf = split_host(domain)
    plain = dom.replace("-", "")
    if any(k != plain for _e, k in la.automaton.iter(plain)):
        return "brand + unrecognised words"
    if is_abused_tld(suf):
        return "abused TLD, ordinary-looking name"
    return "no brand, ordinary TLD"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--show-misses", choices=["dev", "held-out"], default=None)
    args = ap.parse_args()
    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(bundled_brands()))
    domains = cytrox_domains(args.shared)
    print(f"Cytrox domains: {len(domains)}; brands: {len(engine.lookalikes.brands)}")  # type: ignore[union-attr]
    total_hit = 0
    for name in ("dev", "held-out"):
        part = [d for d in domains if half(d) == name]
        verdicts = {d: engine.verdict(d) for d in part}
        hits = [d for d in part if verdicts[d].label.value != "clean"]
        total_hit += len(hits)
        codes = Counter(
            verdicts[d].reasons[0].code.split(".")[0]
            + "."
            + verdicts[d].reasons[0].code.split(".")[-1]
            for d in hits
        )
        misses = [d for d in part if d not in hits]
        cats = Counter(miss_category(engine, d) for d in misses)
        print(f"{name:9} suspicious {len(hits)}/{len(part)} = {len(hits) / len(part):.1%}")
        print(f"          first reason: {dict(codes.most_common())}")
        print(f"          misses by category: {dict(cats.most_common())}")
        if args.show_misses == name:
            print("          misses:", " ".join(misses))
    print(f"both      suspicious {total_hit}/{len(domains)} = {total_hit / len(domains):.1%}")
    ben = benign_domains()
    flagged = [(d, engine.verdict(d)) for d in ben]
    flagged = [(d, v) for d, v in flagged if v.label.value != "clean"]
    short = [
        (d, v)
        for d, v in flagged
        if v.reasons[0].code in SHORTENER_CODES or "shortener" in v.reasons[0].detail
    ]
    other = [(d, v) for d, v in flagged if (d, v) not in short]
    print(
        f"benign    {len(ben)} domains: {len(flagged)} not clean = {len(flagged) / len(ben):.2%}; "
        f"{len(short)} of them URL shorteners (suspicious by design); "
        f"false positives {len(other)} = {len(other) / len(ben):.2%}"
    )
    for d, v in other:
        print(f"          FP {d}: {v.reasons[0].code}: {v.reasons[0].detail}")
    for d, v in short:
        print(f"          shortener {d}: {v.reasons[0].code}")


if __name__ == "__main__":
    main()
