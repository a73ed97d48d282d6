"""Attribution re-scored offline: the same detected operations, another ``AttributionPolicy``.

Attribution does not change who is flagged or how accounts are clustered, so a change to the
attribution evidence can be measured on the operations of one detection run. Two steps:

``python -m benchmarks.attr_rescore capture --seeds 1 2 3 --stealth 2 --work DIR``
    runs ``benchmarks.eval_detect`` (same output) and keeps, next to each platform, the
    features attribution read (``attr_features.pkl``: the operations' features and their core
    members).

``python -m benchmarks.attr_rescore score --seeds 1 2 3 --stealth 2 --work DIR
[--policy contradiction_links=0 media_pages=0] [--vs media_pages=0]``
    scores them again with the policy (defaults overridden by ``--policy``) and prints the
    strict attribution (found and correctly attributed, as ``counterspy evaluate`` counts it),
    per firm, the confidence table (an attributed predicted operation is right when its firm is
    the firm of most of its flagged accounts) and the causes of the misses. ``--vs``: also list
    every operation whose firm differs between the two policies.

``--refeature`` reads the operations' features again with the current code (new evidence)
from the captured core members and the workspace. A platform without a capture is scored that
way from its results alone (``results_core``: the flagged accounts but those admitted by
expansion or operation evidence), so a detected copy made by ``benchmarks.eval_detect`` can be
re-scored without detecting again (only read: nothing is written beside it). The last line of
the summary counts the seeds whose every true operation is found and correctly attributed.

The numbers equal a full evaluation of the same code (checked in docs/detection.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from counterspy.attribute import Attribution, attribute_operations, load_profiles
from counterspy.attribute.scoring import AttributionPolicy
from counterspy.detect.results import read_result
from counterspy.workspace import Workspace

CAPTURE = "attr_features.pkl"
BUCKETS = ((0.1, "≤ 0.1"), (0.2, "0.1–0.2"), (0.3, "0.2–0.3"), (0.5, "0.3–0.5"), (2.0, "> 0.5"))


def capture(argv: list[str]) -> None:
    """eval_detect with the attribution features of each run pickled beside its platform."""
    import benchmarks.eval_detect as ev
    import counterspy.detect.pipeline as pl
    from counterspy.analytics.engine import fetch

    held: dict[str, Any] = {}
    # The names the pipeline and the benchmark call, swapped for ones that keep the features.
    features = vars(pl)["operation_features"]
    detect = vars(ev)["detect_workspace"]

    def keep_features(ctx: Any, members: Any, signals: Any = None) -> Any:
        out = features(ctx, members, signals)
        held["features"] = out
        held["core"] = fetch(members)
        return out

    def detect_and_keep(ws: Workspace, **kw: Any) -> Any:
        out = detect(ws, **kw)
        with (ws.home.parent / CAPTURE).open("wb") as fh:
            pickle.dump(held, fh)
        return out

    vars(pl)["operation_features"] = keep_features
    vars(ev)["detect_workspace"] = detect_and_keep
    sys.argv = ["eval_detect", *argv]
    ev.main()


def _policy(pairs: list[str]) -> AttributionPolicy:
    fields = {f.name: f for f in dataclasses.fields(AttributionPolicy)}
    kw: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields:
            raise SystemExit(f"unknown AttributionPolicy field {key!r}")
        kw[key] = type(getattr(AttributionPolicy(), key))(value)
    return AttributionPolicy(**kw)


def _refeatured(d: Path, core: pd.DataFrame) -> list[Any]:
    """The features of the captured core members, read again by the current code from the
    platform's workspace (its judged-bad domains and signals as the detection wrote them)."""
    import ibis

    from counterspy.analytics import connect, load_tables
    from counterspy.attribute.features import operation_features
    from counterspy.detect.base import DetectionContext
    from counterspy.detect.links import BAD_DOMAIN_SCHEMA

    ws = Workspace(d / "home")
    con = connect("duckdb", threads=1)
    try:
        tables = load_tables(con, ws)
        bad = read_result(ws, "bad_domains")[list(BAD_DOMAIN_SCHEMA.names)]
        ctx = DetectionContext(
            tables.accounts, tables.events, ibis.memtable(bad, schema=BAD_DOMAIN_SCHEMA)
        )
        members = ibis.memtable(
            core[["account_id", "operation_id"]].astype(str),
            schema={"account_id": "string", "operation_id": "string"},
        )
        return operation_features(ctx, members, read_result(ws, "signals"))
    finally:
        con.disconnect()


# Signals of accounts the pipeline admits into an operation after clustering (expansion and
# operation evidence): they inherit the operation's firm and are not part of the core
# attribution reads. Ring members (weak rings, link rings) are core.
RING_SIGNALS = frozenset({"operation_weak_ring", "operation_link_ring"})


def results_core(ws: Workspace) -> pd.DataFrame:
    """The core members attribution read, from a detection's results: flagged accounts but
    those admitted by expansion or operation evidence (``operation_*`` signals other than the
    rings'). Equal to the captured core on seeds 1–8 at stealth 2 (docs/detection.md)."""
    acc = read_result(ws, "accounts")
    sig = read_result(ws, "signals")
    op = sig[sig["signal"].str.startswith("operation_") & ~sig["signal"].isin(RING_SIGNALS)]
    flagged = acc[acc["flagged"] & ~acc["account_id"].isin(set(op["account_id"]))]
    return flagged[["account_id", "operation_id"]].reset_index(drop=True)


def _attributions(
    d: Path, policy: AttributionPolicy, refeature: bool = False
) -> dict[str, Attribution]:
    if (d / CAPTURE).exists():
        with (d / CAPTURE).open("rb") as fh:
            # Our own cache, written by ``capture`` beside the platform: never untrusted input.
            held = pickle.load(fh)  # noqa: S301
    else:
        # No capture: the core from the results, its features read by the current code.
        held = {"core": results_core(Workspace(d / "home"))}
        refeature = True
    features = _refeatured(d, held["core"]) if refeature else held["features"]
    out = attribute_operations(features, load_profiles(), policy)
    return {a.operation_id: a for a in out}


def score(args: argparse.Namespace) -> None:
    policy = _policy(args.policy)
    other = _policy(args.vs) if args.vs is not None else None
    found = attributed = n_ops = 0
    per_firm: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    calib: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    causes: Counter[str] = Counter()
    whole_seeds = 0
    for seed in args.seeds:
        d = args.work / f"sim-{seed}-{args.stealth}"
        att = _attributions(d, policy, args.refeature)
        truth = pd.read_parquet(d / "sim" / "truth" / "operators.parquet")
        acc = read_result(Workspace(d / "home"), "accounts")
        flagged = acc[acc["flagged"]]
        op_of = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
        firm_of_acc = dict(zip(truth["account_id"], truth["firm"], strict=True))
        members: dict[str, list[str]] = defaultdict(list)
        for a, o in op_of.items():
            members[o].append(str(firm_of_acc.get(a, "benign")))
        for op, firms in members.items():
            a = att.get(op)
            if a is None or a.firm == "unattributed":
                continue
            label = next(lb for hi, lb in BUCKETS if a.confidence <= hi)
            calib[label][0] += int(a.firm == Counter(firms).most_common(1)[0][0])
            calib[label][1] += 1
        if other is not None:
            alt = _attributions(d, other, args.refeature)
            for op, a in sorted(att.items()):
                if alt[op].firm != a.firm:
                    lead = Counter(members.get(op, ["-"])).most_common(1)[0][0]
                    print(f"seed {seed} {op} (mostly {lead}): {alt[op].firm} -> {a.firm}")
        seed_ok = True
        for top, grp in truth.groupby("operation_id", sort=True):
            firm = str(grp["firm"].iloc[0])
            n_ops += 1
            per_firm[firm][0] += 1
            got = [op_of[a] for a in grp["account_id"] if a in op_of]
            if not got or len(got) * 2 < len(grp):
                seed_ok = False
                continue
            found += 1
            per_firm[firm][1] += 1
            counts = pd.Series(got, dtype=object).value_counts()
            main = min(counts.index[counts == counts.iloc[0]])
            named = att[main].firm if main in att else "none"
            if named == firm:
                attributed += 1
                per_firm[firm][2] += 1
            else:
                seed_ok = False
                causes[f"{firm} read as {named}"] += 1
                if args.verbose:
                    print(f"seed {seed} {top}: {att[main].rationale if main in att else ''}")
        whole_seeds += seed_ok
    share = attributed / max(n_ops, 1)
    print(
        f"attribution (strict) {attributed}/{n_ops} = {share:.3f}; found {found}; seeds with "
        f"every operation found and attributed {whole_seeds}/{len(args.seeds)}"
    )
    print(
        "per firm found/attributed of n: "
        + "; ".join(f"{f} {v[1]}/{v[2]} of {v[0]}" for f, v in sorted(per_firm.items()))
    )
    print(
        "attributed predicted operations right, by confidence: "
        + "; ".join(f"{lb} {calib[lb][0]} of {calib[lb][1]}" for _, lb in BUCKETS)
    )
    print("misses: " + "; ".join(f"{c} {n}" for c, n in sorted(causes.items())))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "capture":
        capture(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sc = sub.add_parser("score")
    sc.add_argument("--seeds", type=int, nargs="+", required=True)
    sc.add_argument("--stealth", type=int, default=2)
    sc.add_argument("--work", type=Path, required=True)
    sc.add_argument("--policy", nargs="*", default=[], help="AttributionPolicy field=value")
    sc.add_argument("--vs", nargs="*", default=None, help="compare with this policy")
    sc.add_argument("--verbose", action="store_true", help="the rationale of every miss")
    sc.add_argument(
        "--refeature",
        action="store_true",
        help="read the operations' features again with the current code (new evidence) from "
        "the captured core members, the workspace and its results",
    )
    score(ap.parse_args())


if __name__ == "__main__":
    main()
