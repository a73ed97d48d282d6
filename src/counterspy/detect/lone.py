"""Counter-evidence: an operation of one account that nobody confirms needs more evidence.

Surveillance-for-hire operations run several personas, and the personas are tied to each
other: they act on the same people, share a device, an address or a profile photo, or send
the same lookalike domains. A flagged account that ends up alone in its operation (after
merge, expansion and operation evidence), sent no link to judged-bad infrastructure (enough
on its own at any count), and has no coordination edge of any kind (co-action, shared device,
address or photo) to *any* flagged account is one person's behaviour: usually reading and
writing to at-risk people (the at-risk family, capped at 0.9) topped up by one persona trait
(a photo shared with a few accounts, a young account) or by infrastructure shared with
accounts nobody flagged.

On the tuning and validation simulations (seeds 1–40, stealth 2, with the rotating-address
rule) such lone, unconfirmed accounts were 6 benign accounts (NGO staff and researchers
reading at-risk people plus a stock photo or a young account, a VPN user, a new account on a
shared device) and no operator: every lone operator sent a bad link or co-acted with a flagged
account of another operation. So such an account gets one counter-evidence row (phase
``persona``, weight ``-extra_evidence``): like an established account, it needs 0.4 more
evidence than a member of an operation. Unlike :mod:`counterspy.detect.unconfirmed` (which
takes off co-action whose peers are none of them flagged), this looks at the account as a
whole. It works on the signal rows and the coordination edges among candidates (both small).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS
from counterspy.detect.unconfirmed import alone_in_operation, peer_pairs

DETECTOR = "persona.lone_unconfirmed"
SIGNAL = "lone_unconfirmed"
PHASE = "persona"


@dataclass(frozen=True)
class LoneAccounts:
    """Counter-evidence for unconfirmed operations of one account (module docstring)."""

    enabled: bool = True
    version = 1
    # How much more evidence a lone, unconfirmed account needs (the established-account
    # rule's 0.4: the lone benign accounts on seeds 1-40 scored 1.00-1.00).
    extra_evidence: float = 0.4
    # Accounts with one of these signals are exempt (a bad link is enough alone); so are those
    # with a signal the scoring holds to no phase cap (``ScoringPolicy.uncapped_signals``,
    # passed to :meth:`rows` as ``also_exempt``: one switch turns both off).
    exempt_signals: tuple[str, ...] = ("malicious_links",)

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def rows(
        self,
        signals: pd.DataFrame,
        scores: pd.Series,
        edges: pd.DataFrame,
        membership: Mapping[str, str],
        threshold: float,
        also_exempt: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        """Counter-evidence rows for the accounts ``scores`` flags at ``threshold`` that are
        alone in their operation (``membership``: account → operation, after merge,
        expansion and operation evidence), sent no bad link, and share no coordination edge
        (``edges``: a, b) with another flagged account (of another operation, then)."""
        empty = pd.DataFrame(columns=list(SIGNAL_COLUMNS))
        if not self.enabled or signals.empty:
            return empty
        flagged = set(scores[scores >= threshold].index) | set(membership)
        alone = alone_in_operation(membership) & flagged
        exempt = (*self.exempt_signals, *also_exempt)
        alone -= set(signals.loc[signals["signal"].isin(exempt), "account_id"])
        if not alone:
            return empty
        pairs = peer_pairs(edges)
        pairs = pairs[pairs["account_id"].isin(alone) & (pairs["account_id"] != pairs["peer"])]
        confirmed = set(pairs.loc[pairs["peer"].isin(flagged), "account_id"])
        lone = sorted(alone - confirmed)
        if not lone:
            return empty
        mine = signals[signals["account_id"].isin(lone)]
        fired = (
            mine[mine["weight"] > 0]
            .groupby("account_id")["signal"]
            .agg(lambda s: ", ".join(sorted(set(s))))
        )
        n_peers = pairs.groupby("account_id")["peer"].nunique()
        out = pd.DataFrame({"account_id": lone})
        out["detector"] = DETECTOR
        out["version"] = self.version
        out["phase"] = PHASE
        out["signal"] = SIGNAL
        out["value"] = [float(n_peers.get(a, 0)) for a in lone]
        out["threshold"] = 1.0
        out["weight"] = -float(self.extra_evidence)
        win = mine.groupby("account_id")
        out["window_start"] = win["window_start"].min().reindex(lone).to_numpy()
        out["window_end"] = win["window_end"].max().reindex(lone).to_numpy()
        out["evidence"] = [
            f"alone in its operation, no bad link, and none of its {int(n_peers.get(a, 0))} "
            f"coordination peer(s) is flagged: nobody confirms its evidence ({fired.get(a, '')}; "
            f"score {scores[a]:.2f}); it needs {self.extra_evidence:g} more evidence than an "
            "operation's member"
            for a in lone
        ]
        out["params"] = self.params_json()
        return out[list(SIGNAL_COLUMNS)]
