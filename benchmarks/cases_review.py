"""Cases at Meta's scale: open cases for 1,500 operator accounts, approve them in one bulk
decision, deliver every disable to the simulated platform (with the notify hooks), re-open.

Run: ``python -m benchmarks.cases_review [--accounts N] [--operations K] [--repeat R]``.
Synthetic detection results (signals, accounts, operations, targets; no loaded events, so no
infrastructure lookup) in a temporary workspace; SQLite store; loopback simulated platform.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.cases.opening import open_cases
from counterspy.cases.review import review_accounts
from counterspy.cases.views import Decision, list_cases
from counterspy.enforce.simplatform import PlatformState, serve_in_thread
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig
from counterspy.enforce.worker import run_outbox
from counterspy.notify.models import TakedownRow
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

SECRET = b"benchmark-secret-0123456789abcdef"
T0 = datetime(2021, 10, 1, tzinfo=UTC)


def _write(ws: Workspace, name: str, frame: pd.DataFrame) -> None:
    d = ws.result_dir(name)
    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), d / "part-0.parquet")


def synth_results(ws: Workspace, accounts: int, operations: int, seed: int = 1) -> str:
    """Detection results: ``accounts`` operators, most in the first operation."""
    rng = random.Random(seed)
    ops = [f"op-{i + 1:04d}" for i in range(operations)]
    member = [ops[0] if i < accounts * 0.8 else rng.choice(ops) for i in range(accounts)]
    ids = [f"a{i:07d}" for i in range(accounts)]
    _write(ws, "accounts", pd.DataFrame({
        "account_id": ids, "score": [rng.uniform(1, 3) for _ in ids], "flagged": True,
        "operation_id": member, "firm": "cytrox", "n_signals": 5,
    }))  # fmt: skip
    sig = [(a, s, p) for a in ids for s, p in (("at_risk_concentration", "reconnaissance"),
           ("at_risk_outreach", "engagement"), ("malicious_links", "exploitation"),
           ("shared_photo", "engagement"), ("co_action", "coordination"))]  # fmt: skip
    _write(ws, "signals", pd.DataFrame({
        "account_id": [a for a, _, _ in sig], "detector": [f"x.{s}" for _, s, _ in sig],
        "version": 1, "phase": [p for _, _, p in sig], "signal": [s for _, s, _ in sig],
        "value": 5.0, "threshold": 3.0, "weight": 0.5, "window_start": T0,
        "window_end": T0 + timedelta(days=30), "evidence": "synthetic evidence sentence",
        "params": "{}",
    }))  # fmt: skip
    _write(ws, "operations", pd.DataFrame({
        "operation_id": ops, "firm": "cytrox", "confidence": 0.8, "rationale": "synthetic",
        "n_accounts": [member.count(o) for o in ops], "n_targets": 100,
        "phases": "reconnaissance,engagement,exploitation",
    }))  # fmt: skip
    n_t = accounts * 2
    _write(ws, "targets", pd.DataFrame({
        "target_id": [f"t{i:07d}" for i in range(n_t)],
        "operation_id": [rng.choice(ops) for _ in range(n_t)], "firm": "cytrox",
        "phase": [rng.choice(["reconnaissance", "engagement", "exploitation"]) for _ in range(n_t)],
        "at_risk": True, "country": [rng.choice(["GR", "EG", "AM", "DE"]) for _ in range(n_t)],
        "first_seen": T0, "last_seen": T0, "n_events": 3, "n_operators": 1, "evidence": "x",
    }))  # fmt: skip
    _write(ws, "bad_domains", pd.DataFrame({"domain": ["x.example"], "label": ["malicious"],
                                            "reason": ["x"], "actor": [None]}))  # fmt: skip
    return ops[0]


def run_once(accounts: int, operations: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        top_op = synth_results(ws, accounts, operations)
        store = Store(f"sqlite:///{Path(tmp) / 'store.db'}")
        upgrade(store.engine)
        t: dict[str, float] = {}
        start = time.perf_counter()
        with store.session() as s:
            open_cases(s, ws, actor="ivan")
        t["open"] = time.perf_counter() - start
        start = time.perf_counter()
        with store.session() as s:
            summary = open_cases(s, ws, actor="ivan")
        assert not summary.created
        assert not summary.updated
        t["reopen"] = time.perf_counter() - start
        with store.session() as s:
            top = max(list_cases(s), key=lambda c: c.accounts)
        start = time.perf_counter()
        with store.session() as s:
            done = review_accounts(s, top.id, decision=Decision.APPROVED,
                                   reason_code="surveillance-for-hire", actor="rita")  # fmt: skip
        t["approve"] = time.perf_counter() - start
        state = PlatformState(secret=SECRET)
        with (
            serve_in_thread(state) as url,
            WebhookAdapter(WebhookConfig(url=url, secret=SECRET)) as a,
        ):
            start = time.perf_counter()
            result = run_outbox(store, a)
            t["deliver"] = time.perf_counter() - start
        applied = Counter(x["target"] for x in state.applications)
        assert result.acked == len(done.actions_created) == len(applied) == top.accounts
        assert set(applied.values()) == {1}
        with store.session() as s:
            assert s.get(TakedownRow, top_op) is not None
        t["accounts_approved"] = top.accounts
        store.dispose()
        return t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--accounts", type=int, default=1875)  # 80 % (1,500) in the top operation
    p.add_argument("--operations", type=int, default=7)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    runs = [run_once(args.accounts, args.operations) for _ in range(args.repeat)]
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"{key:>18}: median {statistics.median(values):8.2f}  runs {values}")


if __name__ == "__main__":
    main()
