"""Weak rings: operations none of whose accounts passes the flag threshold alone.

At stealth 2 about a fifth of the missed operators belong to operations with no flagged
member at all, so no operation-level rule (expansion, operation evidence) has an anchor. Their
accounts each fire one or two weak signals (acting on at-risk strangers, a shared photo; own
score 0.3-0.9) and, together, work the same short list of rarely visited people within days
of each other. Ordinary accounts also look at the same rare people (friends of friends do),
but their rings carry no signals of their own; researchers and NGO staff carry signals but
read hundreds of people and are years old.

A *ring edge* joins two accounts that each looked (profile or friend-list view, friend
request, follow: not a message) as a stranger — the person had not acted on the account
first — at ≥ ``min_shared_targets`` of the same people, each visited by ≤ ``max_visitors``
accounts, the two first looks at each of those people ≤ ``max_gap_hours`` apart; one end of
every edge is a *weak* account (own score ≥ ``min_seed_score``, not flagged), both ends are ≤
``max_account_age_days`` old and targeted ≤ ``max_targeted`` accounts in all (accounts with
counter-evidence, a negative score, never take part). A connected ring of ≥ ``min_ring_size``
accounts whose own scores pool to ≥ ``min_pooled_score``, with ≥ ``min_scored_members`` weak
members, becomes a new operation: several weak pieces of evidence corroborating each other on
rare people. Each member gets one signal row (detector ``operation.weak_ring``, phase
``operation``) with the pooled score, the thresholds and a sentence.

Everything heavy is one Ibis expression returning the (few) ring edges; components are formed
in Python on those edges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.acquainted import without_acquaintances
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.expand import TARGETING_TYPES
from counterspy.detect.narrow import among, named, same, touching
from counterspy.detect.rings import as_operations, excluded, own_scores, pooled_rings
from counterspy.model import EventType

LOOK_TYPES = (
    EventType.PROFILE_VIEW.value,
    EventType.FRIEND_LIST_VIEW.value,
    EventType.FRIEND_REQUEST.value,
    EventType.FOLLOW.value,
)

EDGE_COLUMNS = ("x", "y", "n", "example", "first", "last", "age_x", "age_y", "ntg_x", "ntg_y")
"""One ring edge: weak account ``x``, other account ``y``, shared targets ``n`` (``example``
one of them), first and last look at them, both accounts' age and number of targeted
accounts."""

DETECTOR = "operation.weak_ring"
SIGNAL = "operation_weak_ring"


@dataclass(frozen=True)
class WeakRings:
    """Operations formed from weak accounts corroborating each other (module docstring)."""

    enabled: bool = True
    version = 1
    # An edge needs one end with at least this own score (below the flag threshold).
    min_seed_score: float = 0.3
    # Rare people: visited (any event naming them) by at most this many accounts.
    max_visitors: int = 15
    min_shared_targets: int = 2
    # Looks at an acquaintance (a person the account reacted to or commented on) are not
    # looks as a stranger (detect/acquainted.py). False: every look counts.
    skip_acquainted: bool = True
    # The two first looks at a shared person within a week of each other.
    max_gap_hours: float = 168.0
    max_account_age_days: int = 700
    # ... unless both ends of the edge are weak (aged, bought personas at stealth 3).
    any_age_if_both_weak: bool = True
    max_targeted: int = 15
    min_ring_size: int = 3
    min_pooled_score: float = 1.2
    min_scored_members: int = 2
    weight: float = 1.0

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def edges(
        self,
        ctx: DetectionContext,
        weak: ir.Table,
        excluded: ir.Table,
        flagged: ir.Table,
        keep: Callable[[ir.Table], ir.Table] = same,
        weak_events: ir.Table | None = None,
    ) -> ir.Table:
        """Ring edges (:data:`EDGE_COLUMNS`). ``weak``: (account_id) of the weak accounts;
        ``excluded``: (account_id) of accounts that take no part (flagged, protected, with
        counter-evidence); ``flagged``: (account_id) of flagged accounts, never a target.
        ``keep`` is applied to the small intermediates read several times (the weak accounts'
        people, the events touching them, the first looks): the pipeline executes them.
        ``weak_events``: every event (at least ts, actor_id, event_type, target_id) by a
        superset of the weak accounts (the candidates' events): their looks are read from
        there instead of scanning the events (same rows); None: from ``ctx.events``."""
        w = weak.select(w_id=weak.account_id).distinct()
        ex = excluded.select(e_id=excluded.account_id).distinct()
        fl = flagged.select(f_id=flagged.account_id).distinct()
        ev = named(ctx.events)
        mine = ev if weak_events is None else named(weak_events)
        looks = mine.filter(mine.event_type.isin(LOOK_TYPES))
        # Rare people the weak accounts looked at.
        wl = looks.semi_join(w, looks.actor_id == w.w_id)
        ts_ = wl.select(t_id=wl.target_id).distinct()
        ts_ = keep(ts_.anti_join(fl, ts_.t_id == fl.f_id))
        # One scan: every event by or on those people (visitors, looks, their own actions).
        near = keep(touching(ev, ts_.t_id))
        vis = near.inner_join(ts_, near.target_id == ts_.t_id)
        vis = vis.group_by(v_t=vis.target_id).aggregate(v_n=vis.actor_id.nunique())
        rare = vis.filter(vis.v_n <= self.max_visitors).select("v_t")
        # Every account's first look at them, as a stranger.
        nl = near.filter(near.event_type.isin(LOOK_TYPES))
        lk = nl.inner_join(rare, nl.target_id == rare.v_t)
        lk = lk.anti_join(ex, lk.actor_id == ex.e_id)
        first = lk.group_by(x=lk.actor_id, t=lk.target_id).aggregate(first=lk.ts.min())
        back = near.inner_join(rare, near.actor_id == rare.v_t)
        back = back.group_by(b_t=back.actor_id, b_x=back.target_id).aggregate(b_first=back.ts.min())
        first = first.left_join(back, (first.x == back.b_x) & (first.t == back.b_t))
        first = first.filter(first.b_first.isnull() | (first.b_first > first.first))
        if self.skip_acquainted:
            first = without_acquaintances(first, near, "x", "t")
        first = keep(first.select("x", "t", "first"))
        # The accounts' ages.
        xs = first.select(a_id=first.x).distinct()
        acc = ctx.accounts.inner_join(xs, ctx.accounts.account_id == xs.a_id)
        acc = acc.select(a_id=acc.account_id, created=acc.created_at)
        age = (ctx.as_of.epoch_seconds() - acc.created.epoch_seconds()) / 86400
        acc = acc.mutate(age=age.cast("int64")).select(o_id="a_id", o_age="age")
        first = first.inner_join(acc, first.x == acc.o_id).select("x", "t", "first", "o_age")
        a = first.semi_join(w, first.x == w.w_id)
        a = a.select(ax=a.x, t=a.t, af=a.first, aa=a.o_age)
        wb = w.select(wb_id=w.w_id)
        b = first.left_join(wb, first.x == wb.wb_id)
        b = b.select(by=b.x, bt=b.t, bf=b.first, ba=b.o_age, bw=b.wb_id.notnull().cast("int8"))
        p = a.inner_join(b, (a.t == b.bt) & (a.ax != b.by))
        gap = (p.af.epoch_seconds() - p.bf.epoch_seconds()).abs() / 3600
        young = (p.aa <= self.max_account_age_days) & (p.ba <= self.max_account_age_days)
        if self.any_age_if_both_weak:
            young = young | (p.bw == 1)
        p = p.filter((gap <= self.max_gap_hours) & young)
        g = p.group_by(x=p.ax, y=p.by).aggregate(
            n=p.t.nunique(),
            example=p.t.min(),
            first=ibis.least(p.af, p.bf).min(),
            last=ibis.greatest(p.af, p.bf).max(),
            age_x=p.aa.max(),
            age_y=p.ba.max(),
        )
        g = keep(g.filter(g.n >= self.min_shared_targets))
        # Accounts with short target lists only: counted for the few pairs' accounts (an
        # edge depends on its two accounts alone, so filtering after pairing is the same).
        ends = ibis.union(g.select(e=g.x), g.select(e=g.y)).distinct()
        tt = ev.filter(ev.event_type.isin(TARGETING_TYPES))
        tt = tt.inner_join(ends, tt.actor_id == ends.e)
        ntg = tt.group_by(n_id=tt.actor_id).aggregate(ntg=tt.target_id.nunique())
        ntg = ntg.filter(ntg.ntg <= self.max_targeted)
        nx = ntg.select(nx_id=ntg.n_id, ntg_x=ntg.ntg)
        ny = ntg.select(ny_id=ntg.n_id, ntg_y=ntg.ntg)
        g = g.inner_join(nx, g.x == nx.nx_id).inner_join(ny, g.y == ny.ny_id)
        return g.select(*EDGE_COLUMNS)

    def rings(self, edges: pd.DataFrame, scores: pd.Series) -> list[list[str]]:
        """Connected rings of fetched edges that pass the size and pooled-score limits."""
        if edges.empty:
            return []
        return pooled_rings(
            edges[["x", "y"]].itertuples(index=False),
            scores,
            min_size=self.min_ring_size,
            min_pooled=self.min_pooled_score,
            accept=lambda own: int((own >= self.min_seed_score).sum()) >= self.min_scored_members,
        )

    def signal_rows(
        self, rings: Mapping[str, list[str]], edges: pd.DataFrame, scores: pd.Series
    ) -> pd.DataFrame:
        """One explainable signal row per ring member (``rings``: operation id → members)."""
        rows = []
        both = pd.concat(
            [
                edges,
                edges.rename(
                    columns={
                        "x": "y",
                        "y": "x",
                        "age_x": "age_y",
                        "age_y": "age_x",
                        "ntg_x": "ntg_y",
                        "ntg_y": "ntg_x",
                    }
                ),
            ],
            ignore_index=True,
        )
        for op, members in rings.items():
            own = own_scores(members, scores)
            pooled = float(own.sum())
            scored = int((own >= self.min_seed_score).sum())
            inside = both[both["x"].isin(members) & both["y"].isin(members)]
            for a in members:
                mine = inside[inside["x"] == a]
                rows.append(
                    {
                        "account_id": a,
                        "detector": DETECTOR,
                        "version": self.version,
                        "phase": "operation",
                        "signal": SIGNAL,
                        "value": round(pooled, 6),
                        "threshold": float(self.min_pooled_score),
                        "weight": float(self.weight),
                        "window_start": mine["first"].min(),
                        "window_end": mine["last"].max(),
                        "evidence": self._sentence(op, a, members, mine, pooled, scored, own),
                        "params": self.params_json(),
                    }
                )
        return pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))

    def _sentence(
        self,
        op: str,
        a: str,
        members: list[str],
        mine: pd.DataFrame,
        pooled: float,
        scored: int,
        own: pd.Series,
    ) -> str:
        top = mine.sort_values(["n", "y"], ascending=[False, True]).iloc[0]
        return (
            f"formed {op} with {len(members) - 1} other unflagged account(s) (min ring "
            f"{self.min_ring_size}): looked as a stranger at {int(top['n'])} of the same rarely "
            f"visited people as {top['y']} (each visited by <= {self.max_visitors} accounts, "
            f"looks <= {self.max_gap_hours:g} h apart, min {self.min_shared_targets}; e.g. "
            f"{top['example']}), ring ties to {len(mine)} member(s); own score "
            f"{float(own[a]):.2f}, the ring's own scores pool to {pooled:.2f} (threshold "
            f"{self.min_pooled_score}) with {scored} member(s) >= {self.min_seed_score} "
            f"(min {self.min_scored_members}); account {int(top['age_x'])} days old (max "
            f"{self.max_account_age_days}), targeted {int(top['ntg_x'])} accounts (max "
            f"{self.max_targeted})"
        )


def admit_rings(
    ctx: DetectionContext,
    membership: Mapping[str, str],
    scores: pd.Series,
    protected: Iterable[str],
    policy: WeakRings,
    memtable: Callable[[pd.DataFrame, Mapping[str, str]], Any],
    keep: Callable[[ir.Table], ir.Table] = same,
    actors: tuple[ir.Table, frozenset[str]] | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Membership with the weak rings as new operations, and their members' signal rows.

    ``scores``: every account's score so far (index account_id); members of operations,
    protected accounts and accounts with a negative score take no part. ``actors``: (events,
    ids) — every event by the accounts ``ids`` (the coordination candidates): when every weak
    account is among them (a weak account scores >= ``min_seed_score``, above the candidate
    threshold by default) their looks are read from there instead of scanning the events."""
    out = dict(membership)
    empty = pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    taken = excluded(membership, protected, scores)
    w = scores[(scores >= policy.min_seed_score) & ~among(scores.index, taken)]
    if w.empty:
        return out, empty
    weak_t = memtable(pd.DataFrame({"account_id": w.index.astype(str)}), {"account_id": "string"})
    ex_t = memtable(pd.DataFrame({"account_id": sorted(taken)}), {"account_id": "string"})
    fl_t = memtable(pd.DataFrame({"account_id": sorted(membership)}), {"account_id": "string"})
    covered = actors is not None and set(w.index.astype(str)) <= actors[1]
    weak_events = actors[0] if actors is not None and covered else None
    edges = fetch(policy.edges(ctx, weak_t, ex_t, fl_t, keep, weak_events))
    rings = policy.rings(edges, scores)
    if not rings:
        return out, empty
    out, named_rings = as_operations(membership, rings)
    return out, policy.signal_rows(named_rings, edges, scores)
