"""Counter-evidence: an account dozens of people answer is someone's own account, not a persona.

The established-account rule (:mod:`counterspy.detect.established`) asks an account years old
and known to someone it acted on for more evidence. Two kinds of ordinary account escape it:
one younger than two years, and one sharing an address with a suspect (it counts a rarely used
address shared with a suspect as persona infrastructure). Both were flagged on the seen seeds
at stealth 2: a VPN user 615 days old on an exit three personas used (at-risk strangers 2 plus
the shared address; tuning seed 9), which then admitted a housemate on its device; an NGO
caseworker 297 days old (validation seed 32).

What both show is a social life: 25 and 42 distinct accounts they acted on acted on them too
(messages answered, requests accepted, views returned) among 110–124 people they acted on.
Surveillance personas are made or bought for a campaign (Meta's December 2021 report) and the
people they approach are strangers: among the 2,324 operators flagged on seeds 1–40 at stealth
2 the most any was known to was 15 (median 1), and at most 13 at stealth 1 and 10 at stealth 3
(older personas with cover friends); 12 on the fresh seeds 701–703.

So an account that would be flagged, known to at least ``min_known`` (20) accounts that are not
suspects themselves, gets one counter-evidence row (phase ``persona``, weight
``-extra_evidence``, the established rule's 0.4), at any age. Exempt, as for established
accounts: a link to judged-bad infrastructure, admission by operation expansion and a device
shared with a suspect; unlike them, a shared *address* is no exemption (a VPN exit, a campus or
carrier NAT is shared by strangers). An account that already carries the established-account
row gets no second one. Reuses the established rule's two-way-contact query over the few
accounts concerned.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.detect.base import DetectionContext, fmt, signal_rows
from counterspy.detect.established import SIGNAL as ESTABLISHED
from counterspy.detect.established import counter_rows, known_contacts

DETECTOR = "persona.well_known_account"
SIGNAL = "well_known_account"
PHASE = "persona"


@dataclass(frozen=True)
class WellKnownAccounts:
    """Counter-evidence for accounts many people answer (see the module docstring)."""

    enabled: bool = True
    version = 1
    # Distinct non-suspect accounts it acted on that acted on it too. Seeds 1-40 (stealth 2):
    # flagged operators at most 15, the two ordinary accounts 25 and 42.
    min_known: int = 20
    # How much more evidence it needs (the established-account rule's margin).
    extra_evidence: float = 0.4
    # A bad link, expansion admission or a device shared with a suspect: exempt.
    exempt_signals: tuple[str, ...] = ("malicious_links", "operation_expansion", "shared_device")

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def expression(self, ctx: DetectionContext, accounts: ir.Table, suspects: ir.Table) -> ir.Table:
        """Counter-evidence signal rows for ``accounts`` known to ``min_known`` or more
        accounts outside ``suspects``."""
        k = known_contacts(ctx, accounts, suspects)
        k = k.filter(k.n_known >= self.min_known)
        span = ctx.events.aggregate(first=ctx.events.ts.min(), last=ctx.events.ts.max())
        k = k.cross_join(span)
        k = k.mutate(account_id=k.k_id)
        text = (
            ibis.literal("known to ")
            + fmt(k.n_known, 0)
            + " accounts it acted on, which acted on it too (e.g. "
            + k.example
            + "; min "
            + str(self.min_known)
            + "): a social life, not a persona made for a campaign; it needs "
            + str(self.extra_evidence)
            + " more evidence, unless it sent a bad link or shares a device with a suspect"
        )
        return signal_rows(
            k,
            detector=DETECTOR,
            version=self.version,
            phase=PHASE,
            signal=SIGNAL,
            value=k.n_known.cast("float64"),
            threshold=float(self.min_known),
            weight=-float(self.extra_evidence),
            window_start=k.first,
            window_end=k.last,
            evidence=text,
            params=self.params_json(),
        )

    def rows(
        self,
        ctx: DetectionContext,
        signals: pd.DataFrame,
        scores: pd.Series,
        threshold: float,
        suspect_threshold: float,
    ) -> pd.DataFrame:
        """Counter-evidence rows for the accounts ``scores`` would flag at ``threshold``;
        contacts scoring ``suspect_threshold`` or more do not count. One small query."""
        over = set(scores[scores >= threshold].index)
        over -= set(signals.loc[signals["signal"].isin(self.exempt_signals), "account_id"])
        over -= set(signals.loc[signals["signal"] == ESTABLISHED, "account_id"])
        if not self.enabled:
            over = set()
        return counter_rows(self.expression, ctx, over, scores, suspect_threshold)
