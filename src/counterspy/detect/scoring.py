"""Account scores, coordination promotion and operations (components of flagged accounts).

Runs in Python on the *small* suspicious subgraph only: the signal rows and the coordination
edges among candidate accounts, never on events.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS
from counterspy.detect.narrow import among
from counterspy.detect.opmerge import OperationMerge, merge_operations

PHASE_CAPS = {
    "reconnaissance": 0.8,
    "engagement": 0.8,
    "exploitation": 1.0,
    "coordination": 0.8,
    "operation": 1.0,
    # Counter-evidence only (``detect/established.py``): rows here weigh ≤ 0.
    "persona": 0.0,
}
"""Most one kind of evidence can add. Below 1.0, no account is flagged on one kind alone:
a lone researcher who reads many journalists' profiles (reconnaissance only) is not an
operator until engagement, exploitation or coordination evidence corroborates it. A link to
known-bad infrastructure is the exception: it is enough on its own, and so is admission to a
detected operation by operation expansion (``detect/expand.py``), whose evidence already
combines several kinds (distant strangers, rare targets, focus, age, infrastructure)."""


@dataclass(frozen=True)
class ScoringPolicy:
    """How signals add up to a verdict on an account."""

    flag_threshold: float = 1.0  # an account is an operator at this score
    candidate_threshold: float = 0.2  # accounts below this are not considered for coordination
    peer_threshold: float = 0.4  # a coordination peer must itself score this much
    # Co-action weighs the summed Jaccard similarity to suspicious peers: two shared targets
    # out of ten with one peer count little; lockstep with several peers counts fully.
    co_action_weight: float = 1.0
    infrastructure_weight: float = 0.4  # per suspicious peer sharing device / IP / photo
    min_coordinated_peers: int = 1
    # Signals whose weight is not held to their phase's cap (``PHASE_CAPS``) — each is scored
    # as a phase of its own, capped at 1.0 — so one of them can flag an account alone; they
    # also exempt the account from the lone-account counter-evidence (detect/lone.py).
    # courted_strangers (detect/courting.py): on seeds 1-40 and 601-603 at stealth 2 it fired
    # on 101 accounts, every one a persona (docs/detection.md, "Session 7: courting an
    # operation's target"). Empty: every signal is capped.
    uncapped_signals: tuple[str, ...] = ("courted_strangers",)


SUBSUMED_BY: dict[str, tuple[str, ...]] = {
    # Contacting at-risk strangers is one piece of evidence, not two: once the engagement
    # signal has counted those strangers, the generic "acted on at-risk strangers" signal adds
    # nothing (an NGO caseworker writing to several activists is not thereby also a profiler).
    "at_risk_strangers": ("at_risk_outreach",),
}
"""signal → signals that already count its evidence; it scores nothing when one of them fired."""

AT_RISK_TARGETING = frozenset(
    {"at_risk_concentration", "friend_list_enumeration", "at_risk_strangers", "at_risk_outreach"}
)
"""Signals that all measure one behaviour: acting on people in the protection programme.

Researchers, NGO caseworkers and recruiters read *and* write to many at-risk people; counted
as reconnaissance plus engagement, that one behaviour crossed the threshold on its own."""
FAMILY_CAPS: dict[frozenset[str], float] = {AT_RISK_TARGETING: 0.9}
"""Most a family of signals measuring one behaviour can add across phases: below 1.0, acting
on at-risk people, in however many forms, needs corroboration (coordination, shared
infrastructure, persona traits, automation or a bad link)."""


def account_scores(signals: pd.DataFrame, uncapped: tuple[str, ...] = ()) -> pd.Series:
    """Per account: per phase the sum of its signals' weights (capped), summed over phases.

    A signal whose evidence another fired signal already counts (``SUBSUMED_BY``) is dropped,
    and a family of signals measuring one behaviour adds at most its ``FAMILY_CAPS`` value.
    Signals in ``uncapped`` (``ScoringPolicy.uncapped_signals``) escape their phase's cap:
    each is scored as a phase of its own (capped at 1.0, the default cap).
    """
    if signals.empty:
        return pd.Series(dtype="float64")
    # Only the columns scoring reads: filtering and grouping the evidence text and the rest
    # cost more than the scoring itself (the pipeline scores ~10 times per run).
    signals = signals[["account_id", "phase", "signal", "weight"]]
    accounts = signals["account_id"].to_numpy(dtype=object)
    names = signals["signal"].to_numpy(dtype=object)
    keep = np.ones(len(signals), dtype=bool)
    for signal, by in SUBSUMED_BY.items():
        # Rows of ``signal`` whose account also fired one of ``by``: one set lookup per row.
        counted = set(accounts[np.isin(names, by)])
        keep &= ~((names == signal) & among(accounts, counted))
    if not keep.all():
        signals = signals[keep]
    best = signals.groupby(["account_id", "phase", "signal"])["weight"].max().reset_index()
    if uncapped:
        # Scored as a phase of their own: PHASE_CAPS names none, so the default cap (1.0)
        # applies to it alone — not to the signal's own phase, whose cap it escapes.
        own = best["signal"].isin(uncapped)
        best.loc[own, "phase"] = "uncapped:" + best.loc[own, "signal"].astype(str)
    total = _capped_sum(best)
    for family, cap in FAMILY_CAPS.items():
        # The family's own capped contribution beyond its cap is taken off the total.
        fam = _capped_sum(best[best["signal"].isin(family)])
        excess = (fam - cap).clip(lower=0.0)
        total = total.sub(excess, fill_value=0.0)
    return total


def _capped_sum(best: pd.DataFrame) -> pd.Series:
    """Per account: per phase the sum of weights capped by ``PHASE_CAPS``, summed over phases."""
    per_phase = best.groupby(["account_id", "phase"])["weight"].sum().reset_index()
    caps = per_phase["phase"].map(PHASE_CAPS).fillna(1.0)
    per_phase["weight"] = per_phase["weight"].clip(upper=caps)
    return per_phase.groupby("account_id")["weight"].sum()


def coordination_signals(
    edges: pd.DataFrame, seeds: set[str], policy: ScoringPolicy, window: tuple[object, object]
) -> pd.DataFrame:
    """Signal rows for accounts coordinated with suspicious peers (``seeds``)."""
    if edges.empty:
        return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    both = pd.concat(
        [
            edges.rename(columns={"a": "account_id", "b": "peer"}),
            edges.rename(columns={"b": "account_id", "a": "peer"}),
        ],
        ignore_index=True,
    )
    both = both[among(both["peer"], seeds)]
    # One stable sort by (account, kind, peer), then one pass over the rows: per (account,
    # kind) group its distinct peers, the per-peer maximum strength (summed in peer order, as
    # a pandas Series sum would) and its first row by peer (ties: edge order). A per-group
    # pandas sort and group-by cost ~1 ms per group, ~0.5 s for the groups of 10M events.
    both = both.sort_values(["account_id", "kind", "peer"], kind="stable")
    accounts, kinds = both["account_id"].tolist(), both["kind"].tolist()
    peers, evidence = both["peer"].tolist(), both["evidence"].tolist()
    strength = both["strength"].to_numpy(dtype="float64")
    rows = []
    n = len(accounts)
    i = 0
    while i < n:
        j = i
        while j < n and accounts[j] == accounts[i] and kinds[j] == kinds[i]:
            j += 1
        maxima = _per_peer_max(peers, strength, i, j)
        kind, i0, i = kinds[i], i, j
        if len(maxima) < policy.min_coordinated_peers:
            continue
        is_co = kind == "co_action"
        rows.append(
            {
                "account_id": accounts[i0],
                "detector": "coordination.co_action" if is_co else "coordination.infrastructure",
                "version": 1,
                "phase": "coordination",
                "signal": str(kind),
                "value": float(len(maxima)),
                "threshold": float(policy.min_coordinated_peers),
                "weight": min(
                    (
                        policy.co_action_weight * float(maxima.sum())
                        if is_co
                        else policy.infrastructure_weight * len(maxima)
                    ),
                    PHASE_CAPS["coordination"],
                ),
                "window_start": window[0],
                "window_end": window[1],
                "evidence": f"{kind} with {len(maxima)} suspicious accounts, e.g. "
                f"{peers[i0]}: {evidence[i0]}",
                "params": "{}",
            }
        )
    return pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))


def _per_peer_max(peers: list[str], strength: np.ndarray, i: int, j: int) -> np.ndarray:
    """Rows ``i:j`` (sorted by peer): each peer's largest strength, missing ones as 0 (the
    values pandas' group-by maximum then skip-missing sum would add)."""
    out = []
    k = i
    while k < j:
        m = k
        while m < j and peers[m] == peers[k]:
            m += 1
        vals = strength[k:m]
        vals = vals[~np.isnan(vals)]
        out.append(vals.max() if len(vals) else 0.0)
        k = m
    return np.array(out, dtype="float64")


EDGE_WEIGHTS = {
    "shared_device": 3.0,
    "shared_photo": 2.0,
    "shared_ip": 2.0,
    "shared_fingerprint": 1.0,
    "co_action": 1.0,  # times the pair's Jaccard similarity
}


def _cut_weak_bridges(g: ig.Graph, cl: Clustering) -> None:
    weak = []
    for e in g.bridges():
        if g.es[e]["weight"] > cl.max_bridge_weight:
            continue
        h = g.copy()
        h.delete_edges([e])
        a, b = g.es[e].tuple
        sizes = h.connected_components().sizes()
        member = h.connected_components().membership
        if min(sizes[member[a]], sizes[member[b]]) >= cl.min_bridge_side:
            weak.append(e)
    g.delete_edges(weak)


@dataclass(frozen=True)
class Clustering:
    """Operations are connected components, split by Leiden where they are loosely joined.

    Different firms often watch the same journalists, so co-action alone can bridge two
    operations; Leiden on the weighted graph (shared devices and IPs weigh most) separates
    communities that only touch through a few shared targets.
    """

    refine: bool = True
    resolution: float = 0.2
    min_component_for_refinement: int = 6
    seed: int = 7
    # A single weak link (one shared IP or photo, or thin co-action: total weight ≤
    # ``max_bridge_weight``) that alone joins two groups of ≥ ``min_bridge_side`` accounts is
    # cut: addresses are shared by chance (VPN exits, NAT), and two firms' personas meet that
    # way. Pieces of one operation are re-joined by the operation merge on stronger evidence.
    cut_weak_bridges: bool = True
    max_bridge_weight: float = 2.0
    min_bridge_side: int = 2


def operations(
    flagged: list[str], edges: pd.DataFrame, clustering: Clustering | None = None
) -> dict[str, str]:
    """account_id → operation_id over edges among flagged accounts.

    Ids are stable for the same input: ``op-0001`` is the largest operation, ties broken by
    the smallest account id.
    """
    import leidenalg

    cl = clustering or Clustering()
    names = sorted(flagged)
    idx = {a: i for i, a in enumerate(names)}
    weights: dict[tuple[int, int], float] = {}
    if not edges.empty:
        e = edges[edges["a"].isin(idx) & edges["b"].isin(idx)]
        for a, b, kind, strength in zip(e["a"], e["b"], e["kind"], e["strength"], strict=True):
            key = (idx[a], idx[b]) if idx[a] < idx[b] else (idx[b], idx[a])
            w = EDGE_WEIGHTS.get(str(kind), 1.0) * float(strength)
            weights[key] = weights.get(key, 0.0) + w
    g = ig.Graph(n=len(idx), edges=list(weights))
    g.es["weight"] = list(weights.values())
    if cl.cut_weak_bridges:
        _cut_weak_bridges(g, cl)
    comps: list[list[str]] = []
    for comp in g.connected_components():
        if not cl.refine or len(comp) < cl.min_component_for_refinement:
            comps.append(sorted(names[i] for i in comp))
            continue
        sub = g.subgraph(comp)
        part = leidenalg.find_partition(
            sub,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight",
            resolution_parameter=cl.resolution,
            seed=cl.seed,
        )
        for community in part:
            comps.append(sorted(names[comp[i]] for i in community))
    comps.sort(key=lambda c: (-len(c), c[0]))
    return {a: f"op-{n:04d}" for n, comp in enumerate(comps, 1) for a in comp}


__all__ = [
    "Clustering",
    "OperationMerge",
    "ScoringPolicy",
    "account_scores",
    "coordination_signals",
    "merge_operations",
    "operations",
]
