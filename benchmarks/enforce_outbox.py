"""Outbox throughput at Meta's scale: approve 1,500 account disables, deliver them all.

Run: ``python -m benchmarks.enforce_outbox [--accounts N] [--repeat R] [--postgres SERVER_URL]``.
SQLite in a temporary folder by default. The platform is the loopback simulated endpoint
(HMAC verification, idempotency dedupe), so the numbers are counterspy's own overhead plus a
local HTTP round trip, not a real platform's latency.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind
from counterspy.enforce.simplatform import PlatformState, serve_in_thread
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig
from counterspy.enforce.worker import Rollout, run_outbox
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade

SECRET = b"benchmark-secret-0123456789abcdef"


@contextmanager
def fresh_database(server_url: str, tmp: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a throwaway database on the given server."""
    if not server_url:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    name = f"cs_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def once(server_url: str, accounts: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(server_url, Path(tmp)) as url:
        store = Store(url)
        upgrade(store.engine)
        targets = [f"acct-{i:06d}" for i in range(accounts)]
        start = time.perf_counter()
        with store.session() as s:
            outbox.enqueue_actions(
                s, kind=ActionKind.DISABLE_ACCOUNT, targets=targets, reason="SFH", decided_by="b"
            )
        enqueue_s = time.perf_counter() - start
        state = PlatformState(secret=SECRET)
        with serve_in_thread(state) as endpoint:
            adapter = WebhookAdapter(WebhookConfig(url=endpoint, secret=SECRET))
            start = time.perf_counter()
            summary = run_outbox(store, adapter, rollout=Rollout(batch_size=50))
            deliver_s = time.perf_counter() - start
            adapter.close()
        assert summary.acked == accounts, summary
        assert len(state.applications) == accounts
        store.dispose()
    return enqueue_s, deliver_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres", default="", help="a PostgreSQL server URL (a fresh database per run)"
    )
    args = parser.parse_args()
    runs = [once(args.postgres, args.accounts) for _ in range(args.repeat)]
    enq = statistics.median(r[0] for r in runs)
    del_ = statistics.median(r[1] for r in runs)
    print(f"store: {'postgresql' if args.postgres else 'sqlite'}; accounts: {args.accounts}")
    print(f"approve (enqueue + audit): median {enq:.2f}s ({args.accounts / enq:.0f}/s)")
    print(
        f"deliver (claim, sign, POST, record + audit): median {del_:.2f}s "
        f"({args.accounts / del_:.0f}/s)"
    )


if __name__ == "__main__":
    main()
