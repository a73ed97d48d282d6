"""Like-for-like peer: QUT's coordination-network-toolkit against our co-action step.

Run: ``python -m benchmarks.bench_qut --events 100000 --repeat 3``
(``--timing uniform coordinated`` by default: both ring timings of ``benchmarks.synth``).

For each ring timing, one synthetic platform (``benchmarks.synth.generate``: 10 rings of 8
operators, each ring working 30 at-risk people, 3 % of accounts at risk) is generated; its
targeted actions (profile/friend-list view, search, follow, friend request, message: actor →
target account, time) go to

* the toolkit, as replies to the same "message" (its co-reply network) with the **same time
  window as ours** (``--window-hours``, default 168 h = our ``CoAction.max_gap_hours``) and
  minimum edge weight 2 (its default use), 2 threads; the toolkit's time includes loading the
  rows into its SQLite database;
* our ``CoAction`` step on DuckDB (default policy: at-risk objects only, crowd cap 50,
  Jaccard ≥ 0.2, lift ≥ 3, the two actions on a shared person ≤ ``max_gap_hours`` apart); its
  time includes reading the workspace.

Both run ``--repeat`` times alternately (same machine load); the report gives each tool's
median, the same-run ratio (median of per-repeat toolkit / ours), edges, and the planted rings
recovered by connected components and by Leiden communities (``bench_detect._recovered``: one
group holds ≥ 80 % of a ring and the ring is ≥ 80 % of that group), plus the toolkit's rings
once its network is thresholded at a higher edge weight (it leaves that to the analyst).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_detect import _recovered
from benchmarks.synth import RING_TIMINGS, Planted, generate

CO_ACTION_TYPES = (
    "profile_view",
    "friend_list_view",
    "search",
    "follow",
    "friend_request",
    "message",
)


def co_action_rows(home: Path) -> list[tuple[str, str, str, float]]:
    """(event id, actor, target, epoch seconds) of every targeted co-action event."""
    import duckdb

    con = duckdb.connect()
    return con.execute(
        "select event_id, actor_id, target_id, epoch(ts) from read_parquet(?) "
        "where target_id is not null and list_contains(?, event_type) order by event_id",
        [f"{home}/loads/*/events/*.parquet", list(CO_ACTION_TYPES)],
    ).fetchall()


def run_toolkit(
    rows: list[tuple[str, str, str, float]], db: Path, window_hours: float
) -> tuple[float, list[tuple[str, str, float]]]:
    """Seconds and (a, b, weight) edges of the toolkit's co-reply network."""
    from coordination_network_toolkit import compute_networks, graph, preprocess

    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    # The toolkit prints its progress on stdout, where this script writes its report.
    with contextlib.redirect_stdout(sys.stderr):
        preprocess.preprocess_data(
            str(db), ((m, u, u, None, t, "", ts, []) for m, u, t, ts in rows)
        )
        compute_networks.compute_co_reply_network(
            str(db), time_window=int(window_hours * 3600), min_edge_weight=2, n_threads=2
        )
    edges = [(str(r[0]), str(r[1]), float(r[2])) for r in graph.get_edge_rows(str(db), "co_reply")]
    return time.perf_counter() - t0, edges


def run_ours(home: Path, max_gap_hours: float | None) -> tuple[float, list[tuple[str, str, float]]]:
    """Seconds and (a, b, strength) edges of our ``CoAction`` step."""
    import ibis
    import pandas as pd

    from counterspy.analytics import connect, fetch, load_tables
    from counterspy.detect.base import DetectionContext
    from counterspy.detect.coordination import CoAction
    from counterspy.workspace import Workspace

    t0 = time.perf_counter()
    tables = load_tables(connect("duckdb"), Workspace(home))
    bad = ibis.memtable(
        pd.DataFrame({c: pd.Series(dtype="str") for c in ("domain", "label", "reason", "actor")})
    )
    ctx = DetectionContext(tables.accounts, tables.events, bad)
    actors = tables.events.select(account_id=tables.events.actor_id).distinct()
    ours = fetch(CoAction(max_gap_hours=max_gap_hours).edges(ctx, actors))
    secs = time.perf_counter() - t0
    return secs, list(zip(ours["a"], ours["b"], ours["strength"], strict=True))


def one_timing(
    timing: str,
    events: int,
    seed: int,
    repeat: int,
    window_hours: float,
    tmp: Path,
    qut_window_hours: float | None = None,
) -> dict[str, Any]:
    qut_window = window_hours if qut_window_hours is None else qut_window_hours
    home = tmp / f"peer-{timing}"
    planted: Planted = generate(
        home, events, rings=10, ring_size=8, seed=seed, at_risk_share=0.03, ring_timing=timing
    )
    rows = co_action_rows(home)
    qut_s: list[float] = []
    our_s: list[float] = []
    qut_edges: list[tuple[str, str, float]] = []
    ours: list[tuple[str, str, float]] = []
    for _ in range(repeat):
        s, qut_edges = run_toolkit(rows, tmp / f"cnt-{timing}.db", qut_window)
        qut_s.append(s)
        s, ours = run_ours(home, window_hours)
        our_s.append(s)
    return {
        "ring_timing": timing,
        "co_action_rows": len(rows),
        "rings": len(planted.rings),
        "window_hours": window_hours,
        "qut_window_hours": qut_window,
        "qut_seconds_median": round(statistics.median(qut_s), 2),
        "qut_runs": [round(s, 2) for s in qut_s],
        "qut_edges": len(qut_edges),
        "qut_rings_recovered": _recovered(qut_edges, planted.rings),
        "qut_rings_recovered_by_min_weight": {
            w: _recovered([e for e in qut_edges if e[2] >= w], planted.rings)
            for w in (3, 4, 5, 6, 8)
        },
        "ours_seconds_median": round(statistics.median(our_s), 2),
        "ours_runs": [round(s, 2) for s in our_s],
        "ours_edges": len(ours),
        "ours_rings_recovered": _recovered(ours, planted.rings),
        "qut_over_ours_same_run": round(
            statistics.median(q / o for q, o in zip(qut_s, our_s, strict=True)), 1
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timing", nargs="+", choices=RING_TIMINGS, default=list(RING_TIMINGS))
    ap.add_argument(
        "--window-hours",
        type=float,
        default=168.0,
        help="the toolkit's time window and our max_gap_hours (default 168 h = 7 days)",
    )
    ap.add_argument(
        "--qut-window-hours",
        type=float,
        default=None,
        help="the toolkit's time window when it should differ (session 6 used 720 h)",
    )
    args = ap.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for timing in args.timing:
            row = one_timing(
                timing,
                args.events,
                args.seed,
                args.repeat,
                args.window_hours,
                Path(tmp),
                args.qut_window_hours,
            )
            out.append(row)
    report = {"results": out, "load_average": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
