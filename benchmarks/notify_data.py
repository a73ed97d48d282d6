"""Synthetic inputs for notification tests and benchmarks: detection results, accounts,
contacts, spread over every country whose official language has a shipped catalog."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.ingest.schema import ACCOUNTS
from counterspy.notify.locales import SHIPPED, coverage
from counterspy.workspace import Workspace

FIRMS = ("cobwebs", "cognyte", "black_cube", "bluehawk", "belltrox", "cytrox", "china_unknown")
PHASES = ("reconnaissance", "engagement", "exploitation")


def locale_pool() -> list[tuple[str, str]]:
    """(BCP 47 tag, country) for every covered country, one shipped language each."""
    cov = coverage()
    pool: dict[str, str] = {}
    for loc in SHIPPED:
        lang = loc.split("_")[0]
        for country in cov.by_locale[loc]:
            pool.setdefault(country, f"{lang}-{country}")
    return sorted((tag, c) for c, tag in pool.items())


def write_inputs(
    workspace: Workspace, n_targets: int, *, seed: int = 7, operations: int = 7
) -> dict[str, object]:
    """Writes results/targets, results/accounts, one load of accounts, and contacts.csv.

    Returns facts the caller checks against: every operation id, the operator accounts that
    also appear as targets, and the contacts file.
    """
    rng = random.Random(seed)
    pool = locale_pool()
    ops = [f"op-{i + 1}" for i in range(operations)]
    targets = [f"t{i:07d}" for i in range(n_targets)]
    operators = [f"x{i:05d}" for i in range(max(3, n_targets // 1000))]
    rows: dict[str, list[object]] = {k: [] for k in ("account_id", "operation_id", "firm", "phase",
                                                      "first_seen", "last_seen")}  # fmt: skip
    now = datetime(2026, 10, 1, tzinfo=UTC)
    for i, t in enumerate(targets):
        reached = rng.sample(ops, 2 if i % 10 == 0 else 1)  # 10% targeted by two operations
        for op in reached:
            rows["account_id"].append(t)
            rows["operation_id"].append(op)
            rows["firm"].append(FIRMS[ops.index(op) % len(FIRMS)])
            rows["phase"].append(rng.choice(PHASES))
            rows["first_seen"].append(now)
            rows["last_seen"].append(now)
    for j, x in enumerate(operators[:3]):  # operator accounts that also look like targets
        rows["account_id"].append(x)
        rows["operation_id"].append(ops[j % len(ops)])
        rows["firm"].append("cobwebs")
        rows["phase"].append("engagement")
        rows["first_seen"].append(now)
        rows["last_seen"].append(now)
    tdir = workspace.result_dir("targets")
    tdir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), tdir / "part-0.parquet")
    adir = workspace.result_dir("accounts")
    adir.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"account_id": operators, "is_operator": [True] * len(operators)}),
        adir / "part-0.parquet",
    )
    everyone = targets + operators
    assigned = [pool[i % len(pool)] for i in range(len(everyone))]
    accounts = {
        "account_id": everyone,
        "created_at": [now] * len(everyone),
        "display_name": [f"Person {a}" for a in everyone],
        "account_type": ["person"] * len(everyone),
        "country": [c for _, c in assigned],
        "locale": [tag for tag, _ in assigned],
        "verified": [False] * len(everyone),
        "at_risk": ["journalist"] * len(everyone),
        "photo_hash": [None] * len(everyone),
    }
    ldir = workspace.loads_dir / "load-1" / "accounts"
    ldir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(accounts, schema=ACCOUNTS.schema), ldir / "part-0.parquet")
    contacts = workspace.home / "contacts.csv"
    with contacts.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "email", "phone"])
        for i, t in enumerate(targets):
            w.writerow([t, f"{t}@example.org", f"+4930{i:07d}" if i % 3 == 0 else ""])
    return {"operations": ops, "operators": operators, "contacts": contacts, "targets": targets}
