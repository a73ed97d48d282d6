"""Detection throughput, and our coordination step against QUT's coordination-network-toolkit.

Run: ``python -m benchmarks.bench_detect --events 10000000 --repeat 3 --peer-events 200000``
(``--peer-events 0`` skips the QUT peer; ``--compare-src OTHER/src`` also times another
checkout's detection on the same data, alternating with ours).

* Same-run peer: after each detection repeat, one plain DuckDB aggregate pass over the same
  Parquet events (``_scan_once``); the ratio detection / scan is robust to machine load.

* Throughput: a synthetic platform (``benchmarks.synth``: Zipf-popular benign activity plus
  planted operator rings) is written into a temporary workspace; each repeat runs
  ``detect_workspace`` end to end (read Parquet, cache, every detector, coordination,
  attribution, targets, write results) in a fresh subprocess, so peak RSS is per run.
* Peer: on a smaller platform, the same targeted actions (actor → target account, time) go
  to the toolkit as "replies to the same message" (its co-reply network, time window 30 days,
  min edge weight 2) and to our ``CoAction`` step. For each, connected components of the
  resulting graph; a planted ring counts as recovered when one component holds ≥ 80 % of its
  members and ring members are ≥ 80 % of that component.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import igraph as ig


def _run_once(home: str) -> dict[str, float]:
    from counterspy.detect.run import detect_workspace
    from counterspy.workspace import Workspace

    t0 = time.perf_counter()
    c0 = _cpu()
    _, info = detect_workspace(Workspace(Path(home)))
    secs = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    # CPU seconds of every thread (DuckDB's too): far steadier than wall time on a busy machine.
    cpu = _cpu() - c0
    return {"seconds": secs, "cpu_seconds": cpu, "events": info.n_events, "peak_rss_gib": rss}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _scan_once(home: str) -> dict[str, float]:
    """The peer measured in the same run: one plain DuckDB aggregate pass over the same events
    (per actor: events, distinct targets, first and last time), straight from Parquet."""
    import duckdb

    from counterspy.workspace import Workspace

    glob = Workspace(Path(home)).table_glob("events")
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(
        "select count(*) from (select actor_id, count(*), count(distinct target_id), min(ts), "
        "max(ts) from read_parquet(?) group by actor_id)",
        [glob],
    ).fetchall()
    return {"seconds": time.perf_counter() - t0}


def _recovered(edges: list[tuple[str, str, float]], rings: list[list[str]]) -> dict[str, int]:
    """Rings recovered by connected components and by Leiden communities of the graph."""
    import leidenalg

    names = sorted({a for e in edges for a in e[:2]})
    idx = {a: i for i, a in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(idx[a], idx[b]) for a, b, _ in edges])
    g.es["weight"] = [float(w) for _, _, w in edges]
    parts = {
        "components": list(g.connected_components()),
        "leiden": list(
            leidenalg.find_partition(
                g,
                leidenalg.RBConfigurationVertexPartition,
                weights="weight",
                resolution_parameter=0.2,
                seed=7,
            )
        ),
    }
    out = {}
    for how, groups in parts.items():
        comp_of = {names[i]: c for c, members in enumerate(groups) for i in members}
        sizes = {c: len(members) for c, members in enumerate(groups)}
        found = 0
        for ring in rings:
            comps = [comp_of[a] for a in ring if a in comp_of]
            if not comps:
                continue
            best = max(set(comps), key=comps.count)
            inside = comps.count(best)
            if inside >= 0.8 * len(ring) and inside >= 0.8 * sizes[best]:
                found += 1
        out[how] = found
    return out


def _peer(events: int, seed: int) -> dict[str, object]:
    import duckdb
    import ibis
    import pandas as pd
    from coordination_network_toolkit import compute_networks, graph, preprocess

    from benchmarks.synth import generate
    from counterspy.analytics import connect, fetch, load_tables
    from counterspy.detect.base import DetectionContext
    from counterspy.detect.coordination import CoAction
    from counterspy.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "peer"
        # Enough at-risk accounts that rings work mostly different people (30 each).
        planted = generate(home, events, rings=10, ring_size=8, seed=seed, at_risk_share=0.03)
        con = duckdb.connect()
        rows = con.execute(
            """select event_id, actor_id, target_id, epoch(ts) from read_parquet(?)
            where target_id is not null and event_type in
            ('profile_view','friend_list_view','search','follow','friend_request','message')""",
            [f"{home}/loads/*/events/*.parquet"],
        ).fetchall()
        db = str(Path(tmp) / "cnt.db")
        t0 = time.perf_counter()
        preprocess.preprocess_data(db, ((m, u, u, None, t, "", ts, []) for m, u, t, ts in rows))
        compute_networks.compute_co_reply_network(
            db, time_window=30 * 86400, min_edge_weight=2, n_threads=2
        )
        qut_edges = [(r[0], r[1], r[2]) for r in graph.get_edge_rows(db, "co_reply")]
        qut_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        tables = load_tables(connect("duckdb"), Workspace(home))
        bad = ibis.memtable(
            pd.DataFrame(
                {c: pd.Series(dtype="str") for c in ("domain", "label", "reason", "actor")}
            )
        )
        ctx = DetectionContext(tables.accounts, tables.events, bad)
        actors = tables.events.select(account_id=tables.events.actor_id).distinct()
        ours = fetch(CoAction().edges(ctx, actors))
        our_s = time.perf_counter() - t0
        return {
            "co_action_rows": len(rows),
            "rings": len(planted.rings),
            "qut_seconds": round(qut_s, 2),
            "qut_edges": len(qut_edges),
            "qut_rings_recovered": _recovered(qut_edges, planted.rings),
            # The toolkit leaves thresholding to the analyst: its best stricter edge weight.
            "qut_rings_recovered_by_min_weight": {
                w: _recovered([e for e in qut_edges if e[2] >= w], planted.rings)
                for w in (3, 4, 5, 6, 8)
            },
            "ours_seconds": round(our_s, 2),
            "ours_edges": len(ours),
            "ours_rings_recovered": _recovered(
                list(zip(ours["a"], ours["b"], ours["strength"], strict=True)), planted.rings
            ),
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-events", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--compare-src",
        default=None,
        help="another checkout's src (e.g. the previous release): its detection runs on the "
        "same data, alternating with ours, and the report gives the ratio",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-scan", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_run_once(args.child)))
        return
    if args.child_scan:
        print(json.dumps(_scan_once(args.child_scan)))
        return
    from benchmarks.synth import generate

    report: dict[str, object] = {"events_requested": args.events}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        generate(Path(tmp), args.events, seed=args.seed)
        report["generate_seconds"] = round(time.perf_counter() - t0, 1)
        runs: list[dict[str, float]] = []
        scans: list[dict[str, float]] = []
        other: list[dict[str, float]] = []
        steps: list[tuple[str, list[dict[str, float]], str | None]] = [
            ("--child", runs, None),
            ("--child-scan", scans, None),
        ]
        if args.compare_src:
            steps.append(("--child", other, args.compare_src))
        root = str(Path(__file__).resolve().parent.parent)
        for _ in range(args.repeat):
            # Detection and its peers alternate, so all see the same machine load.
            for flag, sink, src in steps:
                env = None
                if src:
                    env = dict(os.environ, PYTHONPATH=os.pathsep.join((src, root)))
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.bench_detect", flag, tmp],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=root,
                )
                sink.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(flag, src or "", sink[-1], file=sys.stderr, flush=True)
        secs = statistics.median(r["seconds"] for r in runs)
        scan_secs = statistics.median(r["seconds"] for r in scans)
        report.update(
            scan_seconds_median=round(scan_secs, 2),
            scan_runs=[round(r["seconds"], 2) for r in scans],
            detect_to_scan_ratio=round(secs / scan_secs, 1),
        )
        report.update(
            events=runs[0]["events"],
            seconds_median=round(secs, 2),
            events_per_second=round(runs[0]["events"] / secs),
            peak_rss_gib_max=round(max(r["peak_rss_gib"] for r in runs), 2),
            runs=[round(r["seconds"], 2) for r in runs],
            cpu_seconds_median=round(statistics.median(r["cpu_seconds"] for r in runs), 2),
            load_average=[round(x, 2) for x in os.getloadavg()],
        )
        if other:
            other_secs = statistics.median(r["seconds"] for r in other)
            report.update(
                compare_src=args.compare_src,
                compare_seconds_median=round(other_secs, 2),
                compare_runs=[round(r["seconds"], 2) for r in other],
                ours_over_compare=round(secs / other_secs, 3),
                compare_cpu_seconds_median=round(
                    statistics.median(r["cpu_seconds"] for r in other), 2
                ),
                ours_over_compare_cpu=round(
                    statistics.median(r["cpu_seconds"] for r in runs)
                    / statistics.median(r["cpu_seconds"] for r in other),
                    3,
                ),
            )
    if args.peer_events:
        report["peer"] = _peer(args.peer_events, args.seed)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
