"""Lawful-request channel: rule evaluation, audited submission, transparency report.

    python -m benchmarks.legal [--requests 100000]

Prints medians of repeated runs. The transparency store is filled with bulk inserts (not the
audited workflow) so that the report query is what is measured.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from counterspy.legal import agencies, requests
from counterspy.legal.model import DataCategory, LegalProcess, RequestDraft
from counterspy.legal.models import LegalRequestRow, RequestAccountRow
from counterspy.legal.policy import default_policy
from counterspy.legal.rules import evaluate
from counterspy.legal.targets import NoTargets, StaticTargets
from counterspy.legal.transparency import Period, build_report, render_csv
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade

POL = default_policy()
COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "MX", "JP", "AU", "CA"]


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _drafts(n: int, rng: random.Random) -> list[RequestDraft]:
    return [
        RequestDraft(
            process=rng.choice(list(LegalProcess)),
            country=rng.choice(COUNTRIES),
            categories=frozenset(rng.sample(list(DataCategory), rng.randint(1, 3))),
            accounts=tuple(f"acct-{i}-{k}" for k in range(rng.randint(1, 30))),
            legal_basis_ref="Docket 1",
        )
        for i in range(n)
    ]


def bench_rules(n: int) -> None:
    drafts = _drafts(n, random.Random(1))
    targets = StaticTargets({f"acct-{i}-0" for i in range(0, n, 50)})
    notified = [targets.notified(d.accounts) for d in drafts]
    secs = _median(lambda: [evaluate(d, POL, t) for d, t in zip(drafts, notified, strict=True)], 5)
    print(f"rules: {n} drafts in {secs:.3f} s = {secs / n * 1e6:.1f} µs per request (median of 5)")


def _store(tmp: Path) -> Store:
    store = Store(f"sqlite:///{tmp / 'bench.db'}")
    upgrade(store.engine)
    with store.session() as s:
        agencies.register_agency(
            s, agency_id="ag", name="A", country="US", email="x@fbi.gov", actor="b", policy=POL
        )
        agencies.record_callback(
            s, agency_id="ag", number="+1 202 324 3000", source="d", confirmed=True, actor="b"
        )
    return store


def bench_submit(tmp: Path, n: int) -> None:
    store = _store(tmp)
    drafts = _drafts(n, random.Random(2))
    t0 = time.perf_counter()
    for d in drafts:
        with store.session() as s:
            requests.submit_request(
                s, agency_id="ag", draft=d, actor="a", policy=POL, targets=NoTargets()
            )
    secs = time.perf_counter() - t0
    print(f"submit (rules + store + audit, one transaction each): {n / secs:.0f} requests/s")
    store.dispose()


def bench_transparency(tmp: Path, n: int) -> None:
    store = _store(tmp)
    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    reqs, accts = [], []
    for i in range(1, n + 1):
        reqs.append(
            {
                "id": i,
                "agency_id": "ag",
                "submitted_by": "a",
                "process": rng.choice(list(LegalProcess)).value,
                "country": rng.choice(COUNTRIES),
                "categories": "subscriber",
                "emergency_imminent": False,
                "nondisclosure": False,
                "state": "closed",
                "queue": "standard",
                "findings": "[]",
                "recommendation": "approved",
                "decision_codes": "",
                "approved_categories": "",
                "produced_categories": "",
                "received_at": start + timedelta(seconds=rng.randrange(181 * 86400)),
                "produced_at": start if rng.random() < 0.7 else None,
            }
        )
        for k in range(rng.randint(1, 5)):
            accts.append(
                {
                    "request_id": i,
                    "position": k,
                    "account_id": f"a{i}-{k}",
                    "approved": False,
                    "produced": False,
                }
            )
    with store.session() as s:
        s.execute(insert(LegalRequestRow), reqs)
        s.execute(insert(RequestAccountRow), accts)
    period = Period.parse("2026-H1")

    def run() -> None:
        with store.session() as s:
            render_csv(build_report(s, period, POL, None))

    secs = _median(run, 5)
    print(
        f"transparency: {n} requests / {len(accts)} named accounts -> CSV in {secs:.3f} s "
        "(median of 5, SQLite)"
    )
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--submit", type=int, default=1000)
    args = ap.parse_args()
    bench_rules(min(args.requests, 100_000))
    with tempfile.TemporaryDirectory() as d:
        bench_submit(Path(d), args.submit)
    with tempfile.TemporaryDirectory() as d:
        bench_transparency(Path(d), args.requests)


if __name__ == "__main__":
    main()
