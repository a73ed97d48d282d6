"""Threat-report build and render time on a simulated platform.

Run: ``python -m benchmarks.bench_report --accounts 200000 --repeat 3``.

Simulates the platform (``counterspy simulate``), ingests and detects once, disables every
flagged account and blocks every bad domain through the enforcement outbox (so removal counts
and the public appendix are populated), then times ``build_report`` (results, the events scan
for link infrastructure, enforcement state, appendix) and rendering HTML + Markdown + CSV.
Prints medians as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import ClassVar

from counterspy.detect.results import read_result
from counterspy.detect.run import detect_workspace
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionRequest, ActionResult, Outcome, TargetKind
from counterspy.enforce.adapters import PlatformAdapter
from counterspy.enforce.worker import Rollout, run_outbox
from counterspy.ingest.load import ingest
from counterspy.ingest.simulator import SimulationConfig, simulate
from counterspy.report import build_report, render_csv, render_html, render_markdown
from counterspy.share.tlp import Tlp
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace


class _Ack(PlatformAdapter):
    name: ClassVar[str] = "bench-report-ack"

    def _do_execute(self, request: ActionRequest) -> ActionResult:
        return ActionResult(Outcome.ACKED, attempts=1, status_code=200)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--stealth", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim = Path(tmp) / "sim"
        s = simulate(
            SimulationConfig(accounts=args.accounts, seed=args.seed, stealth=args.stealth), sim
        )
        ws = Workspace(Path(tmp) / "home")
        ingest(ws, [sim])
        detect_workspace(ws)
        acc = read_result(ws, "accounts")
        flagged = sorted(acc.loc[acc["flagged"], "account_id"])
        domains = sorted(read_result(ws, "bad_domains")["domain"])
        store = open_store(ws)
        with store.session() as sess:
            outbox.enqueue_actions(
                sess,
                kind=ActionKind.DISABLE_ACCOUNT,
                targets=flagged,
                reason="bench",
                decided_by="bench",
                batch="bench",
                adapter=_Ack.name,
            )
            outbox.enqueue_actions(
                sess,
                kind=ActionKind.BLOCK_INFRASTRUCTURE,
                targets=domains,
                target_kind=TargetKind.DOMAIN,
                reason="bench",
                decided_by="bench",
                batch="bench",
            )
        run_outbox(store, _Ack(), batch="bench", rollout=Rollout(), sleep=lambda _: None)
        builds, renders = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with store.session() as sess:
                report = build_report(ws, sess, tlp=Tlp.CLEAR, generated=date(2021, 12, 16))
            t1 = time.perf_counter()
            html, md, csv = render_html(report), render_markdown(report), render_csv(report)
            t2 = time.perf_counter()
            builds.append(t1 - t0)
            renders.append(t2 - t1)
        store.dispose()
        print(
            json.dumps(
                {
                    "accounts": s.accounts,
                    "events": s.events,
                    "flagged": len(flagged),
                    "firms": report.totals.firms,
                    "removed": report.totals.accounts_removed,
                    "indicators": report.totals.indicators,
                    "build_s_median": round(statistics.median(builds), 3),
                    "render_s_median": round(statistics.median(renders), 3),
                    "html_kib": round(len(html.encode()) / 1024, 1),
                    "md_kib": round(len(md.encode()) / 1024, 1),
                    "csv_rows": csv.count("\n") - 1,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
