"""Counter-evidence: a newcomer befriending people at large is not working a target list.

A brand-new account that sends friend requests to dozens of people is what new people do: they
look up everyone they know. It fires the young-persona signal, its requests create co-action
with whoever else befriends the same popular people, and an address shared at a café or carrier
gateway does the rest. Personas are young too, but they work a target list: on the tuning seeds
(1–20, stealth 2) every flagged operator younger than 60 days sent at most 5 friend requests,
and the operators that sent 9 or more (two, 103 and 443 days old) aimed 29–41 % of what they
did at people in the protection programme. The four flagged brand-new accounts (13–27 days
old) sent 9–137 requests with 0–5 % of their contacts at risk.

So an account at most ``max_age_days`` old at the end of the observed period that sent friend
requests to at least ``min_requests`` distinct accounts, of whose contacts at most
``max_at_risk_share`` are in the protection programme, gets one counter-evidence row (weight
``-weight``, phase ``persona``). A link to judged-bad infrastructure is exempt. Computed once,
before operations are formed, for the coordination candidates only (their events are already
read), so a discounted newcomer anchors nothing and is admitted to nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext, fmt, signal_rows

DETECTOR = "persona.befriending_newcomer"
SIGNAL = "befriending_newcomer"
PHASE = "persona"


@dataclass(frozen=True)
class BefriendingNewcomers:
    """Counter-evidence for new accounts befriending people at large (module docstring)."""

    enabled: bool = True
    version = 1
    # Age (days, at the end of the observed period) up to which an account is a newcomer.
    max_age_days: int = 60
    # Distinct accounts it sent friend requests to (tuning seeds 1-20, stealth 2: flagged
    # operators under 60 days sent <= 5; the flagged new accounts 9-137).
    min_requests: int = 9
    # Most of the accounts it acted on that may be in the protection programme (the flagged
    # new accounts: 0-5 %; operators sending >= 9 requests: 29-41 %).
    max_at_risk_share: float = 0.10
    # How much evidence it takes away: enough to undo co-action and a shared address.
    weight: float = 1.0
    # Accounts with one of these signals are exempt (a bad link is enough at any age).
    exempt_signals: tuple[str, ...] = ("malicious_links",)

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def expression(self, ctx: DetectionContext, accounts: ir.Table) -> ir.Table:
        """Counter-evidence rows (:data:`SIGNAL_COLUMNS`) for the newcomers among
        ``accounts`` (column ``account_id``); ``ctx`` must read their events."""
        acc = ctx.accounts.select("account_id", "created_at")
        ids = accounts.select(n_id=accounts.account_id).distinct()
        acc = acc.semi_join(ids, acc.account_id == ids.n_id)
        acc = acc.cross_join(ctx.events.aggregate(as_of=ctx.events.ts.max()))
        acc = acc.mutate(
            age_days=(acc.as_of.epoch_seconds() - acc.created_at.epoch_seconds()) / 86400.0
        )
        young = acc.filter(acc.age_days <= self.max_age_days)
        ev = ctx.events_of(young.select("account_id"))
        ev = ev.filter(ev.target_id.notnull() & (ev.actor_id != ev.target_id))
        r = ctx.at_risk_accounts.select("r_id")
        ev = ev.left_join(r, ev.target_id == r.r_id)
        agg = ev.group_by(a_id=ev.actor_id).aggregate(
            n_requests=ev.target_id.nunique(where=ev.event_type == "friend_request"),
            n_contacts=ev.target_id.nunique(),
            n_at_risk=ev.r_id.nunique(),
            first=ev.ts.min(),
            last=ev.ts.max(),
        )
        t = young.inner_join(agg, young.account_id == agg.a_id)
        t = t.mutate(share=t.n_at_risk.cast("float64") / t.n_contacts.cast("float64"))
        t = t.filter((t.n_requests >= self.min_requests) & (t.share <= self.max_at_risk_share))
        text = (
            ibis.literal("account is ")
            + fmt(t.age_days, 0)
            + " days old (newcomer up to "
            + str(self.max_age_days)
            + ") and sent friend requests to "
            + fmt(t.n_requests, 0)
            + " accounts (min "
            + str(self.min_requests)
            + "); "
            + fmt(t.n_at_risk, 0)
            + " of the "
            + fmt(t.n_contacts, 0)
            + " accounts it acted on are at risk ("
            + fmt(t.share * 100.0, 0)
            + "%, max "
            + f"{self.max_at_risk_share:.0%}"
            + "): befriending people at large, not working a target list; it needs "
            + str(self.weight)
            + " more evidence, unless it sent a bad link"
        )
        return signal_rows(
            t,
            detector=DETECTOR,
            version=self.version,
            phase=PHASE,
            signal=SIGNAL,
            value=t.n_requests,
            threshold=float(self.min_requests),
            weight=-float(self.weight),
            window_start=t.first,
            window_end=t.last,
            evidence=text,
            params=self.params_json(),
        )

    def rows(
        self, ctx: DetectionContext, signals: pd.DataFrame, candidates: list[str]
    ) -> pd.DataFrame:
        """Counter-evidence rows for the ``candidates`` (without an exempt signal); ``ctx``
        must read their events. Executes one small query."""
        exempt = set(signals.loc[signals["signal"].isin(self.exempt_signals), "account_id"])
        ids = sorted(set(candidates) - exempt)
        if not self.enabled or not ids:
            return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
        t = ibis.memtable(
            pd.DataFrame({"account_id": ids}, dtype="object"),
            schema=ibis.schema({"account_id": "string"}),
        )
        out: pd.DataFrame = fetch(self.expression(ctx, t))
        return out
