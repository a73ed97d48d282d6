"""Export speed of each sharing format, and the cost of OASIS's validator on our bundles.

Run: ``python -m benchmarks.bench_share --indicators 50000 --operations 200 --repeat 3``.

Wall and CPU time are both reported: on a shared machine the CPU time is the steadier number.

Synthetic findings: ``--indicators`` domains / URLs / IPs / hashes spread over the seven firms,
``--operations`` operations with sightings and target counts. Each repeat builds every format
from the same findings (median reported); the validator runs once on a 2,000-object slice
(it takes milliseconds per object, so whole large bundles are validated only in tests).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from counterspy.model.firms import FirmId
from counterspy.share.collect import firms_for
from counterspy.share.findings import (
    Findings,
    IndicatorFinding,
    Operation,
    Producer,
    Sighting,
    TargetAggregate,
    data_time,
)
from counterspy.share.tlp import Tlp
from counterspy.share.writers import writer

T0 = datetime(2021, 10, 1, tzinfo=UTC)
FIRMS = [f.value for f in FirmId]


def synthetic(n_indicators: int, n_operations: int) -> Findings:
    ops = tuple(
        Operation(
            f"op-{i:04d}",
            FIRMS[i % len(FIRMS)],
            0.6,
            "synthetic",
            12,
            40,
            ("reconnaissance", "engagement"),
            T0,
            T0 + timedelta(days=20),
            Tlp.AMBER,
        )
        for i in range(n_operations)
    )
    kinds = ("domain", "url", "ip", "sha256")
    inds = []
    for i in range(n_indicators):
        kind = kinds[i % 4]
        value = {
            "domain": f"d{i}.example.com",
            "url": f"https://u{i}.example.org/p",
            "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            "sha256": f"{i:064x}",
        }[kind]
        op = ops[i % len(ops)] if ops and i % 3 == 0 else None
        inds.append(
            IndicatorFinding(
                kind,
                value,
                (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)[i % 3],
                "bench",
                published="2021-12-16",
                actor=FIRMS[i % len(FIRMS)],
                comment="synthetic",
                operations=(op.id,) if op else (),
            )
        )
    sightings = tuple(
        Sighting((i.kind, i.value), i.operations[0], 3, T0, T0 + timedelta(days=1), Tlp.AMBER)
        for i in inds
        if i.operations
    )
    aggs = tuple(TargetAggregate(o.id, "country", "GR", 7, Tlp.AMBER) for o in ops)
    return Findings(
        Producer("bench"),
        data_time(ops, inds),
        firms_for(FIRMS),
        ops,
        tuple(inds),
        sightings,
        aggs,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indicators", type=int, default=50_000)
    ap.add_argument("--operations", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    f = synthetic(args.indicators, args.operations)
    results: dict[str, object] = {"indicators": args.indicators, "operations": args.operations}
    bundle_text = ""
    for fmt, profile in (
        ("stix", "strict"),
        ("stix", "mvt"),
        ("misp", "strict"),
        ("meta-csv", "strict"),
    ):
        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            res = writer(fmt).write(f, tlp=Tlp.AMBER, profile=profile)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        if fmt == "stix" and profile == "strict":
            bundle_text = res.text
        results[f"{fmt}-{profile}"] = {
            "median_s": round(statistics.median(times), 2),
            "median_cpu_s": round(statistics.median(cpu), 2),
            "bytes": len(res.text.encode()),
            "records": dict(res.counts),
        }
    from stix2validator import ValidationOptions, validate_instance

    bundle = json.loads(bundle_text)
    piece = {**bundle, "objects": bundle["objects"][:2000]}
    t0 = time.perf_counter()
    errors = validate_instance(piece, ValidationOptions()).errors
    secs = time.perf_counter() - t0
    results["validator"] = {"objects": 2000, "seconds": round(secs, 1), "errors": len(errors)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
