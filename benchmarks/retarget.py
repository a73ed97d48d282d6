"""Target policies compared on stored detections: the targets step alone, re-run per policy.

Run after ``benchmarks.eval_detect`` has detected the platforms under ``--work``:
``python -m benchmarks.retarget --seeds $(seq 1 40) --stealth 2 --work DIR
--variant base --variant rare_link_max_senders=None``.

For each platform it reads the flagged accounts and their operations (results/accounts), the
judged-bad domains (results/bad_domains) and the events, runs
:func:`counterspy.detect.targets.operation_targets` under each policy variant, and scores the
listed targets against ``truth/targets.parquet`` exactly like ``detect/evaluate.py`` (target
precision, recall, phase accuracy). The members are what the whole pipeline found, so a
variant's numbers equal a full re-detection's whenever it changes only the targets step
(``TargetPolicy``) — at a second per platform instead of a minute. Prints the mean per
variant for the tuning seeds (≤ ``--split``) and the rest (validation).

A variant is ``base`` (the default policy) or comma-separated ``field=value`` overrides of
``TargetPolicy`` fields (ints, floats, ``True``/``False``/``None``; nested policies dotted,
e.g. ``campaign.enabled=False``).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import statistics
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from counterspy.analytics import connect, load_tables
from counterspy.detect.base import DetectionContext
from counterspy.detect.evaluate import TargetScore, target_scores
from counterspy.detect.results import read_result
from counterspy.detect.targets import TargetPolicy, operation_targets
from counterspy.workspace import Workspace


def policy_of(variant: str) -> TargetPolicy:
    if variant == "base":
        return TargetPolicy()
    policy = TargetPolicy()
    for part in variant.split(","):
        key, _, raw = part.partition("=")
        policy = _set(policy, key.strip().split("."), ast.literal_eval(raw.strip()))
    return policy


def _set(obj: Any, path: list[str], value: object) -> Any:
    """``obj`` with the (dotted) field ``path`` replaced: nested policies are dataclasses."""
    head, rest = path[0], path[1:]
    new = _set(getattr(obj, head), rest, value) if rest else value
    return dataclasses.replace(obj, **{head: new})


def listed_targets(ws: Workspace, policy: TargetPolicy) -> pd.DataFrame:
    """The targets step re-run on the stored detection of ``ws`` under ``policy``."""
    acc = read_result(ws, "accounts")
    flagged = acc[acc["flagged"]]
    members = flagged[["account_id", "operation_id", "firm"]].astype("object")
    members["firm"] = members["firm"].fillna("unattributed")
    bad = read_result(ws, "bad_domains")[["domain"]].astype("object")
    con = connect("duckdb")
    try:
        tables = load_tables(con, ws)
        bad_t = ibis.memtable(bad, schema=ibis.schema({"domain": "string"}))
        ctx = DetectionContext(accounts=tables.accounts, events=tables.events, bad_domains=bad_t)
        m = ibis.memtable(
            members,
            schema=ibis.schema(
                {"account_id": "string", "operation_id": "string", "firm": "string"}
            ),
        )
        q = operation_targets(ctx, m, m.select("account_id"), policy)
        out: pd.DataFrame = con.to_pyarrow(q).to_pandas()
        return out
    finally:
        con.disconnect()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, default=2)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--split", type=int, default=20, help="seeds up to this are tuning")
    ap.add_argument("--variant", action="append", default=[])
    args = ap.parse_args()
    variants = args.variant or ["base"]
    scores: dict[tuple[str, bool], list[TargetScore]] = {}
    counts: dict[tuple[str, bool], list[int]] = {}
    for seed in args.seeds:
        d = args.work / f"sim-{seed}-{args.stealth}"
        ws = Workspace(d / "home")
        truth = pd.read_parquet(d / "sim" / "truth" / "targets.parquet")
        for v in variants:
            listed = listed_targets(ws, policy_of(v))
            s = target_scores(listed, truth)
            key = (v, seed <= args.split)
            scores.setdefault(key, []).append(s)
            ids = set(listed["target_id"])
            true = set(truth["account_id"])
            c = counts.setdefault(key, [0, 0, 0])
            c[0] += len(ids & true)
            c[1] += len(ids - true)
            c[2] += len(true - ids)
    for (v, tuning), ss in sorted(scores.items(), key=lambda kv: (kv[0][0], not kv[0][1])):
        tp, fp, fn = counts[(v, tuning)]
        print(
            f"{v:50s} {'tuning' if tuning else 'valid '}: "
            f"tP {statistics.mean(s.precision for s in ss):.4f} "
            f"tR {statistics.mean(s.recall for s in ss):.4f} "
            f"phase {statistics.mean(s.phase_accuracy for s in ss):.4f} "
            f"| listed true {tp} false {fp} missed {fn}"
        )


if __name__ == "__main__":
    main()
