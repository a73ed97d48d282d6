"""Counter-evidence: coordination with suspects of whom none is flagged confirms nothing.

Coordination signals (co-action, a shared device, address or profile photo) count the
*suspicious* peers an account acts with — accounts scoring ``peer_threshold`` (0.4) or more,
not flagged ones. That is what lets an operation's quieter personas cross the threshold
together. But an account flagged on the strength of peers none of which turns out to be
flagged is corroborated by nobody: on the tuning seeds (1–20, stealth 2) such lone accounts were
researchers and a VPN user (at-risk reading capped at 0.9 plus co-action with one or two other
readers, or a VPN exit and a photo shared with one sub-threshold account), while every lone
flagged operator carried a link to judged-bad infrastructure, which is enough on its own.

So a flagged account alone in its operation (after merge, expansion and operation evidence)
whose co-action peers are none of them flagged, and whose score without that co-action is
below the flag threshold, gets one counter-evidence row (phase ``coordination``, weight minus
its co-action weight): it is not flagged, and its one-member operation is dropped. Shared
infrastructure is not discounted (``kinds``): a device or address shared with a sub-threshold
account is persona evidence of its own. The check works on the signal rows and the
coordination edges among candidates (both small), never on events. It runs last because a
lone account's peers may still join it through merge or admission: run before operations
were formed, it lost operators on 6 of the 20 tuning seeds.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS

DETECTOR = "coordination.unconfirmed_peers"
SIGNAL = "unconfirmed_peers"
PHASE = "coordination"


def alone_in_operation(membership: Mapping[str, str]) -> set[str]:
    """Accounts that are the only member of their operation (``membership``: account →
    operation)."""
    sizes = Counter(membership.values())
    return {a for a, o in membership.items() if sizes[o] == 1}


def peer_pairs(edges: pd.DataFrame) -> pd.DataFrame:
    """(account_id, peer) both ways round for every coordination edge (``edges``: a, b)."""
    return pd.concat(
        [
            edges[["a", "b"]].rename(columns={"a": "account_id", "b": "peer"}),
            edges[["b", "a"]].rename(columns={"b": "account_id", "a": "peer"}),
        ],
        ignore_index=True,
    )


@dataclass(frozen=True)
class UnconfirmedPeers:
    """Coordination needs at least one flagged peer (see the module docstring)."""

    enabled: bool = True
    version = 1
    # The phase whose signals count suspicious peers (detect/scoring.coordination_signals).
    phase: str = PHASE
    # Most this phase can add (scoring.PHASE_CAPS["coordination"]).
    phase_cap: float = 0.8
    # The coordination signals that need a flagged peer (the others are kept as they are).
    # Co-action only: with shared IP / photo / device too, stealth 2 lost one more false
    # positive (a VPN user) but stealth 1 lost an operator (a persona on a hosting address
    # shared with one sub-threshold peer; tuning seed 1).
    kinds: tuple[str, ...] = ("co_action",)

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def rows(
        self,
        signals: pd.DataFrame,
        scores: pd.Series,
        edges: pd.DataFrame,
        membership: Mapping[str, str],
        threshold: float,
    ) -> pd.DataFrame:
        """Counter-evidence rows for the accounts ``scores`` flags at ``threshold`` that are
        alone in their operation (``membership``: account → operation), whose coordination
        peers (``edges``: a, b) include no flagged account and whose score without the
        coordination phase is below ``threshold``."""
        empty = pd.DataFrame(columns=list(SIGNAL_COLUMNS))
        if not self.enabled or signals.empty:
            return empty
        flagged = set(scores[scores >= threshold].index)
        alone = alone_in_operation(membership) & flagged
        coord = signals[(signals["phase"] == self.phase) & signals["account_id"].isin(alone)]
        coord = coord[(coord["weight"] > 0) & coord["signal"].isin(self.kinds)]
        if coord.empty:
            return empty
        pairs = peer_pairs(edges)
        confirmed = set(pairs.loc[pairs["peer"].isin(flagged), "account_id"])
        coord = coord[~coord["account_id"].isin(confirmed)]
        if coord.empty:
            return empty
        # As scoring counts them: each signal once (its strongest row), the phase capped.
        raw = coord.groupby(["account_id", "signal"])["weight"].max().groupby(level=0).sum()
        contrib = raw.clip(upper=self.phase_cap)
        rest = scores.reindex(contrib.index) - contrib
        lone = contrib[rest < threshold]
        if lone.empty:
            return empty
        peers = pairs[pairs["account_id"].isin(lone.index)]
        n_peers = peers.groupby("account_id")["peer"].nunique().reindex(lone.index).fillna(0)
        example = peers.groupby("account_id")["peer"].min().reindex(lone.index).fillna("")
        kinds = coord.groupby("account_id")["signal"].agg(lambda s: ", ".join(sorted(set(s))))
        window_start = coord.groupby("account_id")["window_start"].min()
        window_end = coord.groupby("account_id")["window_end"].max()
        out = pd.DataFrame({"account_id": lone.index})
        out["detector"] = DETECTOR
        out["version"] = self.version
        out["phase"] = self.phase
        out["signal"] = SIGNAL
        out["value"] = n_peers.to_numpy(dtype="float64")
        out["threshold"] = 1.0
        # Minus the raw phase sum, so that the phase adds nothing once capped.
        out["weight"] = -raw.reindex(lone.index).to_numpy(dtype="float64")
        out["window_start"] = window_start.reindex(lone.index).to_numpy()
        out["window_end"] = window_end.reindex(lone.index).to_numpy()
        out["evidence"] = [
            f"its coordination evidence ({kinds[a]}; +{lone[a]:.2f}) names "
            f"{int(n_peers[a])} suspicious peer(s) (e.g. {example[a]}), none of them flagged: "
            f"nobody confirms it; without that evidence it scores {rest[a]:.2f} "
            f"(threshold {threshold:g})"
            for a in lone.index
        ]
        out["params"] = self.params_json()
        return out[list(SIGNAL_COLUMNS)]
