"""Console page latency on a demo workspace, through the whole app (sessions, CSRF, templates).

Run: ``PYTHONPATH=src python -m benchmarks.bench_console --accounts 200000 --repeat 15``.

Simulates a platform and detects (``run_demo``), signs an admin in, then fetches each main
page ``--repeat`` times with FastAPI's test client (in-process: no network, so the numbers are
server time) and reports median and 95th percentile per page, plus the sign-in time (argon2id).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.api.app import create_app
from counterspy.auth import users
from counterspy.cases.models import CaseAccountRow
from counterspy.demo import DemoConfig, run_demo
from counterspy.detect.results import read_result
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

PASSWORD = "benchmark-only-password"  # noqa: S105 - a throwaway user in a temporary workspace


def _pages(ws: Workspace, session: Session) -> list[str]:
    ops = read_result(ws, "operations").sort_values("n_targets", ascending=False)
    biggest = str(ops.iloc[0]["operation_id"])
    case = session.execute(
        select(CaseAccountRow.case_id).where(CaseAccountRow.operation_id == biggest).limit(1)
    ).scalar_one_or_none()
    cases = ["/console/cases"] + ([f"/console/cases/{case}"] if case is not None else [])
    return [
        "/console/",
        *cases,
        "/console/operations",
        f"/console/operations/{biggest}",
        "/console/actions",
        "/console/notifications/preview?locale=ar",
        "/console/intel",
        "/console/audit",
        "/verify-notice",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_demo(Path(tmp) / "demo", DemoConfig(accounts=args.accounts))
        ws = Workspace(summary.workspace)
        store = open_store(ws)
        with store.session() as s:
            users.create_user(s, name="rita", role="admin", actor="bench")
            users.set_password(s, name="rita", password=PASSWORD, actor="bench")
        with TestClient(create_app(ws, store=store)) as client:
            form = client.get("/console/sign-in").text
            token = re.search(r'name="login_token" value="([^"]+)"', form)
            assert token
            t0 = time.perf_counter()
            resp = client.post(
                "/console/sign-in",
                data={"name": "rita", "password": PASSWORD, "login_token": token.group(1)},
                follow_redirects=False,
            )
            sign_in = time.perf_counter() - t0
            assert resp.status_code == 303
            print(
                f"{summary.simulation.accounts:,} accounts, {summary.simulation.events:,} events,"
            )
            print(f"{len(summary.operations)} operations; sign-in {sign_in * 1000:.0f} ms")
            print("| page | median ms | p95 ms | KiB |")
            print("| --- | --- | --- | --- |")
            with store.session() as s:
                pages = _pages(ws, s)
            for path in pages:
                times = []
                size = 0
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    r = client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (path, r.status_code)
                    size = len(r.content)
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(
                    f"| `{path}` | {statistics.median(times):.0f} | {p95:.0f} | {size / 1024:.0f} |"
                )
        store.dispose()


if __name__ == "__main__":
    main()
