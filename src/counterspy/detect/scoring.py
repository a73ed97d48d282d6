"""Account scores, coordination promotion and operations (components of flagged accounts).

Runs in Python on the *small* suspicious subgraph only: the signal rows and the coordination
edges among candidate accounts, never on events.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS


@dataclass(frozen=True)
class ScoringPolicy:
    """How signals add up to a verdict on an account."""

    flag_threshold: float = 1.0  # an account is an operator at this score
    candidate_threshold: float = 0.2  # below this, an account is not considered at all
    co_action_weight: float = 0.5  # acted in lockstep with flagged accounts
    infrastructure_weight: float = 0.5  # shares device / rare IP / fingerprint / photo with them
    min_coordinated_peers: int = 1


def account_scores(signals: pd.DataFrame) -> pd.Series:
    """Sum of signal weights per account (each signal name counted once)."""
    if signals.empty:
        return pd.Series(dtype="float64")
    best = signals.groupby(["account_id", "signal"])["weight"].max()
    return best.groupby(level="account_id").sum()


def coordination_signals(
    edges: pd.DataFrame, seeds: set[str], policy: ScoringPolicy, window: tuple[object, object]
) -> pd.DataFrame:
    """Signal rows for candidates coordinated with already-flagged (seed) accounts."""
    if edges.empty:
        return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    both = pd.concat(
        [
            edges.rename(columns={"a": "account_id", "b": "peer"}),
            edges.rename(columns={"b": "account_id", "a": "peer"}),
        ],
        ignore_index=True,
    )
    both = both[both["peer"].isin(seeds)]
    rows = []
    for (account, kind), grp in both.groupby(["account_id", "kind"], sort=True):
        peers = sorted(set(grp["peer"]))
        if len(peers) < policy.min_coordinated_peers:
            continue
        is_co = kind == "co_action"
        first = grp.sort_values("peer").iloc[0]
        rows.append(
            {
                "account_id": account,
                "detector": "coordination.co_action" if is_co else "coordination.infrastructure",
                "version": 1,
                "phase": "coordination",
                "signal": str(kind),
                "value": float(len(peers)),
                "threshold": float(policy.min_coordinated_peers),
                "weight": policy.co_action_weight if is_co else policy.infrastructure_weight,
                "window_start": window[0],
                "window_end": window[1],
                "evidence": f"{kind} with {len(peers)} flagged accounts, e.g. {first['peer']}: "
                f"{first['evidence']}",
                "params": "{}",
            }
        )
    return pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))


def operations(flagged: list[str], edges: pd.DataFrame) -> dict[str, str]:
    """account_id → operation_id: connected components over edges among flagged accounts.

    Ids are stable for the same input: ``op-0001`` is the largest component, ties broken by
    the smallest account id.
    """
    idx = {a: i for i, a in enumerate(sorted(flagged))}
    g = ig.Graph(n=len(idx))
    if not edges.empty:
        e = edges[edges["a"].isin(idx) & edges["b"].isin(idx)]
        g.add_edges([(idx[a], idx[b]) for a, b in zip(e["a"], e["b"], strict=True)])
    names = sorted(idx)
    comps = [sorted(names[i] for i in c) for c in g.connected_components()]
    comps.sort(key=lambda c: (-len(c), c[0]))
    return {a: f"op-{n:04d}" for n, comp in enumerate(comps, 1) for a in comp}
