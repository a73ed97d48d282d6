"""Why true targets are missed and false ones listed: the breakdown in docs/detection.md (Targets).

Run after ``benchmarks.eval_detect`` has detected the platforms under ``--work`` (it reads the
results it wrote and re-runs only the targets step's candidate query, never the detection):
``python -m benchmarks.target_misses --seeds $(seq 1 40) --stealth 2 --work DIR``.

A *true target* is what ``detect/evaluate.py`` scores against: every account in
``truth/targets.parquet``, i.e. every account an operation's accounts acted on in the
surveillance chain (profile or friend-list view, friend request, follow, message, link), with
the highest phase reached. Each missed one (not listed under any operation) falls in one
class, checked in this order:

* ``flagged as an operator``: the target itself was flagged (never listed as a target);
* ``(c) operation not found``: none of its operation's operators was flagged;
* ``(a) only unflagged operators``: the operation was found, but none of the operator accounts
  that acted on this target was flagged (split by the best such account's score);
* ``(b) dropped by <rules>``: a flagged account acted on it, and the targets step refused it:
  the rules of :func:`counterspy.detect.targets.target_rules` it failed (for its best row);
* ``(d) no candidate row``: a flagged account acted on it but no candidate row exists.

Each false target (listed, not true) is classed by who acted on it — ``cover of true
operators`` (a real operator's cover activity) or ``reached by false operators only`` — and
by what admitted it (at risk, bad link, or an outsider passing every rule). Correctly listed
targets are also compared on phase (true → listed). Prints per-split counts and, with
``--verbose``, one line per miss.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd

from benchmarks.retarget import listed_targets
from counterspy.analytics import connect, load_tables
from counterspy.detect.base import DetectionContext, url_domain
from counterspy.detect.results import read_result
from counterspy.detect.targets import TargetPolicy, target_candidates, target_rules
from counterspy.model import Phase
from counterspy.workspace import Workspace

# The event types the simulator's truth counts as acting on a target (ingest/simulator/truth.py).
TRUTH_TYPES = (
    "profile_view",
    "friend_list_view",
    "friend_request",
    "follow",
    "message",
    "link_share",
)
_RANK = {p.value: p.rank for p in Phase}
# The simulator's phase of an operator's action without a URL (with one: exploitation).
_EVENT_PHASE = {
    "profile_view": 1,
    "friend_list_view": 1,
    "friend_request": 2,
    "follow": 2,
    "message": 2,
}
OUTSIDER_RULES = (
    "min_targeting_actions",
    "needs_a_look",
    "look_first",
    "strangers",
    "crowd",
    "social_cover",
    "people",
    "cover_friends",
)


@dataclass
class Tally:
    misses: Counter[str] = field(default_factory=Counter)
    false: Counter[str] = field(default_factory=Counter)
    phase: Counter[str] = field(default_factory=Counter)
    # rows held back by one rule alone: (rule, "true" | "false") -> distinct targets
    sole: Counter[tuple[str, str]] = field(default_factory=Counter)
    true_targets: int = 0
    listed: int = 0

    def add(self, other: Tally) -> None:
        self.misses.update(other.misses)
        self.false.update(other.false)
        self.phase.update(other.phase)
        self.sole.update(other.sole)
        self.true_targets += other.true_targets
        self.listed += other.listed


def _candidates(ws: Workspace, members: pd.DataFrame, policy: TargetPolicy) -> pd.DataFrame:
    con = connect("duckdb")
    try:
        tables = load_tables(con, ws)
        bad = read_result(ws, "bad_domains")
        bad_t = ibis.memtable(
            bad[["domain"]].astype("object"), schema=ibis.schema({"domain": "string"})
        )
        ctx = DetectionContext(accounts=tables.accounts, events=tables.events, bad_domains=bad_t)
        m = ibis.memtable(
            members.astype("object"),
            schema=ibis.schema(
                {"account_id": "string", "operation_id": "string", "firm": "string"}
            ),
        )
        ops = m.select("account_id")
        g = target_candidates(ctx, m, ops, policy)
        rules = target_rules(g, policy)
        g = g.select("target_id", "operation_id", "n_operators", "rank", **rules)
        out: pd.DataFrame = con.to_pyarrow(g).to_pandas()
        return out
    finally:
        con.disconnect()


def _truth_actions(ws: Workspace, operators: pd.DataFrame) -> pd.DataFrame:
    """(actor_id, target_id, event_type, domain) of every truth-type event by a true operator."""
    con = connect("duckdb")
    try:
        ev = load_tables(con, ws).events
        ids = ibis.memtable(
            operators[["account_id"]].astype("object"),
            schema=ibis.schema({"account_id": "string"}),
        )
        ev = ev.filter(ev.event_type.isin(TRUTH_TYPES) & ev.target_id.notnull())
        ev = ev.semi_join(ids, ev.actor_id == ids.account_id)
        q = ev.select(
            "actor_id", "target_id", "event_type", domain=url_domain(ev.url.fill_null(""))
        ).distinct()
        out: pd.DataFrame = con.to_pyarrow(q).to_pandas()
        return out
    finally:
        con.disconnect()


def _acted_on(ws: Workspace, actors: set[str]) -> pd.DataFrame:
    """(actor_id, target_id) of every event by ``actors`` naming another account."""
    con = connect("duckdb")
    try:
        ev = load_tables(con, ws).events
        ids = ibis.memtable(
            pd.DataFrame({"account_id": sorted(actors)}, dtype="object"),
            schema=ibis.schema({"account_id": "string"}),
        )
        ev = ev.filter(ev.target_id.notnull() & (ev.actor_id != ev.target_id))
        ev = ev.semi_join(ids, ev.actor_id == ids.account_id)
        q = ev.select("actor_id", "target_id").distinct()
        out: pd.DataFrame = con.to_pyarrow(q).to_pandas()
        return out
    finally:
        con.disconnect()


def _score_band(score: float) -> str:
    if score <= 0:
        return "unscored"
    if score < 0.5:
        return "score < 0.5"
    return "score >= 0.5"


def analyse(
    d: Path, policy: TargetPolicy, verbose: bool, label: str, relist: bool = False
) -> Tally:
    ws = Workspace(d / "home")
    truth = d / "sim" / "truth"
    ops_t = pd.read_parquet(truth / "operators.parquet")
    tgt_t = pd.read_parquet(truth / "targets.parquet")
    acc = read_result(ws, "accounts")
    tgt = listed_targets(ws, policy) if relist else read_result(ws, "targets")
    flagged = acc[acc["flagged"]]
    flagged_ids = set(flagged["account_id"])
    score = dict(zip(acc["account_id"], acc["score"], strict=True))
    members = flagged[["account_id", "operation_id", "firm"]].copy()
    members["firm"] = members["firm"].fillna("unattributed")
    cand = _candidates(ws, members, policy)
    by_target = dict(list(cand.groupby("target_id")))
    acts = _truth_actions(ws, ops_t)
    true_op = dict(zip(ops_t["account_id"], ops_t["operation_id"], strict=True))
    acts = acts.assign(op=acts["actor_id"].map(true_op))
    listed = set(tgt["target_id"])
    out = Tally(true_targets=tgt_t["account_id"].nunique(), listed=len(listed))
    op_found = {o for a, o in true_op.items() if a in flagged_ids}

    for t, grp in tgt_t.groupby("account_id"):
        if t in listed:
            continue
        ops_of_t = set(grp["operation_id"])
        actors = set(acts.loc[(acts["target_id"] == t) & acts["op"].isin(ops_of_t), "actor_id"])
        if t in flagged_ids:
            cls = "flagged as an operator"
        elif not ops_of_t & op_found:
            cls = "(c) operation not found"
        elif not actors & flagged_ids:
            best = max((score.get(a, 0.0) for a in actors), default=0.0)
            cls = f"(a) only unflagged operators, {_score_band(best)}"
        elif t not in by_target:
            cls = "(d) no candidate row"
        else:
            rows = by_target[t]
            fails = rows[list(OUTSIDER_RULES)].eq(False).sum(axis=1)
            row = rows.loc[fails.idxmin()]
            failed = [r for r in OUTSIDER_RULES if not bool(row[r])]
            if not bool(row["focused"]):
                failed.append("focused")
            cls = "(b) dropped by " + "+".join(failed or ["?"])
        out.misses[cls] += 1
        if verbose:
            print(f"{label} miss {t} ({','.join(sorted(ops_of_t))}): {cls}")

    truth_ids = set(tgt_t["account_id"])
    false_ids = listed - truth_ids
    if false_ids:
        on = _acted_on(ws, flagged_ids)
        on = on[on["target_id"].isin(false_ids)]
        for t in sorted(false_ids):
            who = set(on.loc[on["target_id"] == t, "actor_id"])
            by = "cover of true operators" if who & set(true_op) else "false operators only"
            rows = by_target.get(t)
            if rows is None:
                why = "?"
            else:
                passed = rows[rows["focused"]]
                prot = passed[passed["protected"]]
                if len(prot):
                    why = "bad link" if (prot["rank"] == 3).any() else "at risk"
                else:
                    why = "outsider passing every rule"
            out.false[f"{by}, {why}"] += 1
            if verbose:
                print(f"{label} false {t}: {by}, {why}")

    # What loosening one rule would admit: targets not listed whose best row fails that rule
    # alone (at-risk people and bad-link recipients pass every outsider rule).
    rules = [*OUTSIDER_RULES, "focused"]
    for t, rows in by_target.items():
        if t in listed or t in flagged_ids:
            continue
        fails = ~rows[rules].astype(bool)
        fails.loc[rows["protected"].astype(bool), list(OUTSIDER_RULES)] = False
        one = fails[fails.sum(axis=1) == 1]
        for rule in sorted({str(one.columns[r.argmax()]) for r in one.to_numpy()}):
            out.sole[(rule, "true" if t in truth_ids else "false")] += 1

    pred = tgt.assign(r=tgt["phase"].map(_RANK)).groupby("target_id")["r"].max()
    true_ph = tgt_t.assign(r=tgt_t["phase"].map(_RANK)).groupby("account_id")["r"].max()
    name = {p.rank: p.value[:5] for p in Phase}
    acts = acts.assign(
        ph=acts["event_type"].map(_EVENT_PHASE).where(acts["domain"] == "", 3).fillna(0)
    )
    acts.loc[(acts["domain"] == "") & (acts["event_type"] == "link_share"), "ph"] = 0
    bad_domains = set(read_result(ws, "bad_domains")["domain"])
    for t in listed & truth_ids:
        a, b = int(true_ph[t]), int(pred.get(t, 0))
        if a == b:
            out.phase["ok"] += 1
            continue
        key = f"{name.get(a, a)}->{name.get(b, b)}"
        if a > b:
            top = acts[(acts["target_id"] == t) & (acts["ph"] == a)]
            if not set(top["actor_id"]) & flagged_ids:
                key += " (higher phase by unflagged operators)"
            elif a == 3 and not set(top["domain"]) & bad_domains:
                key += " (link domain not judged bad)"
            else:
                key += " (other)"
        out.phase[key] += 1
        if verbose:
            print(f"{label} phase {t}: {key}")
    return out


def _print(title: str, t: Tally) -> None:
    miss = sum(t.misses.values())
    print(
        f"\n## {title}: {t.true_targets} true targets, {miss} missed, {t.listed} listed, "
        f"{sum(t.false.values())} false"
    )
    for k, n in sorted(t.misses.items(), key=lambda kv: -kv[1]):
        print(f"  miss  {n:4d}  {k}")
    for k, n in sorted(t.false.items(), key=lambda kv: -kv[1]):
        print(f"  false {n:4d}  {k}")
    for rule in sorted({r for r, _ in t.sole}):
        print(
            f"  held back by {rule} alone: {t.sole[(rule, 'true')]} true / "
            f"{t.sole[(rule, 'false')]} not true targets"
        )
    ok = t.phase.get("ok", 0)
    total = sum(t.phase.values())
    print(f"  phase {ok}/{total} correct; errors:")
    for k, n in sorted(t.phase.items(), key=lambda kv: -kv[1]):
        if k != "ok":
            print(f"  phase {n:4d}  {k}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, nargs="+", default=[2])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--split", type=int, default=20, help="seeds up to this are tuning")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument(
        "--relist",
        action="store_true",
        help="list the targets afresh with the current TargetPolicy on the stored detection "
        "(benchmarks.retarget) instead of reading results/targets",
    )
    args = ap.parse_args()
    policy = TargetPolicy()
    for stealth in args.stealth:
        tuning, validation = Tally(), Tally()
        for seed in args.seeds:
            d = args.work / f"sim-{seed}-{stealth}"
            t = analyse(d, policy, args.verbose, f"s{seed}", args.relist)
            (tuning if seed <= args.split else validation).add(t)
        _print(f"stealth {stealth}, tuning seeds ≤ {args.split}", tuning)
        _print(f"stealth {stealth}, validation seeds > {args.split}", validation)


if __name__ == "__main__":
    main()
