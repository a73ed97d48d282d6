"""Counter-evidence: an established account needs more evidence than a fresh persona.

Surveillance-for-hire personas are made for the job: Meta's December 2021 report describes
fake accounts created or bought for each campaign, and the simulated operators at stealth 2
are months, not years, old. The accounts that read and write to many at-risk people for a
living — researchers, journalists, NGO caseworkers, recruiters — are people's own accounts,
usually years old. After the at-risk family of signals was capped below the threshold, their
remaining false positives are flagged by that family plus *thin* corroboration: co-action on
two or three at-risk people shared by chance with another reader, or one address shared with
a suspect (tuning seeds 1–20, stealth 2; see docs/detection.md).

So an account at least ``min_age_days`` old at the end of the observed period that is
*known*, over the observed period, to at least ``min_known`` of the accounts it acted on (they
acted on it too: a reply, a view back, an accepted request — researchers are answered by the
people they work with, operators are strangers) and none of them a suspect itself, gets one
counter-evidence row, weight ``-extra_evidence``: it is flagged only when its other evidence
reaches the threshold plus that margin (1.0 + 0.4 by default). A link to judged-bad
infrastructure is exempt (enough on its own at any age), so is admission by operation
expansion (it carries its own, stricter, age condition), and so is a device or rarely used
IP address shared with a suspect (persona infrastructure, which a researcher's own account
does not share with operators).

One small Ibis query: the candidates' creation dates and, from two semi-joins of the events
against the few candidates, their two-way contacts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext, fmt, signal_rows

DETECTOR = "persona.established_account"
SIGNAL = "established_account"
PHASE = "persona"


@dataclass(frozen=True)
class EstablishedAccounts:
    """Counter-evidence for accounts with years of history (see the module docstring)."""

    enabled: bool = True
    version = 1
    # Age (days, at the end of the observed period) from which an account is established.
    # Tuning seeds 1-20, stealth 2: 25 of 39 false positives (researchers, NGO staff, VPN
    # users, ordinary accounts) were >= 730 days old and answered by someone they acted on;
    # see docs/detection.md for the sweep.
    min_age_days: int = 730
    # ... and known to at least this many of the accounts it acted on (two-way contact with a
    # non-suspect). Age alone removed 28 of 39 false positives on seeds 1-20 but lost 5
    # operators (cover friends aside, personas are strangers); with this condition 25, none.
    min_known: int = 1
    # How much more evidence than a fresh persona an established account needs. Seeds 1-20
    # at stealth 2: 0.3 to 0.5 remove the same false positives; at stealth 3 (seeds 1-3,
    # where operators use aged accounts) 0.3 / 0.4 / 0.5 lose 1 / 3 / 5 operators.
    extra_evidence: float = 0.4
    # Accounts with one of these signals are exempt: a bad link is enough at any age,
    # expansion admission has its own age condition, and a device or rarely used address
    # shared with a suspect is persona infrastructure, not a researcher's own account
    # (without this exemption stealth 3 lost 4 more operators, stealth 2 removed 2 more
    # false positives).
    exempt_signals: tuple[str, ...] = (
        "malicious_links",
        "operation_expansion",
        "shared_ip",
        "shared_device",
    )
    # ... but a shared address is no exemption for an account acting mostly from hosting
    # networks (this signal): VPN and cloud exits are shared by strangers who picked the same
    # provider. None: shared IPs always exempt.
    vpn_signal: str | None = "hosting_network"

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def ages(self, ctx: DetectionContext, accounts: ir.Table) -> ir.Table:
        """(account_id, created_at, as_of, age_days) of the established ``accounts``."""
        acc = ctx.accounts.select("account_id", "created_at")
        ids = accounts.select(e_id=accounts.account_id).distinct()
        acc = acc.semi_join(ids, acc.account_id == ids.e_id)
        acc = acc.cross_join(ctx.events.aggregate(as_of=ctx.events.ts.max()))
        acc = acc.mutate(
            age_days=(acc.as_of.epoch_seconds() - acc.created_at.epoch_seconds()) / 86400.0
        )
        return acc.filter(acc.age_days >= self.min_age_days)

    def expression(
        self, ctx: DetectionContext, accounts: ir.Table, suspects: ir.Table | None = None
    ) -> ir.Table:
        """Counter-evidence signal rows (:data:`SIGNAL_COLUMNS`) for ``accounts``;
        ``suspects`` (account_id): accounts whose contact does not count as being known."""
        t = self.ages(ctx, accounts)
        k = known_contacts(ctx, t.select("account_id"), accounts if suspects is None else suspects)
        t = t.inner_join(k, t.account_id == k.k_id)
        t = t.filter(t.n_known >= self.min_known)
        text = (
            ibis.literal("account is ")
            + fmt(t.age_days, 0)
            + " days old (established from "
            + str(self.min_age_days)
            + " days: researchers', journalists' and caseworkers' own accounts are years old, "
            "personas made for a campaign are not) and known to "
            + fmt(t.n_known, 0)
            + " of the accounts it acted on, which acted on it too (e.g. "
            + t.example
            + "; min "
            + str(self.min_known)
            + "); it needs "
            + str(self.extra_evidence)
            + " more evidence than a new account, unless it sent a bad link"
        )
        return signal_rows(
            t,
            detector=DETECTOR,
            version=self.version,
            phase=PHASE,
            signal=SIGNAL,
            value=t.age_days,
            threshold=float(self.min_age_days),
            weight=-float(self.extra_evidence),
            window_start=t.created_at,
            window_end=t.as_of,
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
        """Counter-evidence rows for the accounts ``scores`` would flag at ``threshold``
        (without an exempt signal); contacts scoring ``suspect_threshold`` or more do not make
        an account known. Executes one small query."""
        over = set(scores[scores >= threshold].index)
        exempt = signals[signals["signal"].isin(self.exempt_signals)]
        if self.vpn_signal is not None:
            vpn = set(signals.loc[signals["signal"] == self.vpn_signal, "account_id"])
            exempt = exempt[~((exempt["signal"] == "shared_ip") & exempt["account_id"].isin(vpn))]
        over -= set(exempt["account_id"])
        if not self.enabled:
            over = set()
        return counter_rows(self.expression, ctx, over, scores, suspect_threshold)


def counter_rows(
    expression: Callable[[DetectionContext, ir.Table, ir.Table], ir.Table],
    ctx: DetectionContext,
    over: set[str],
    scores: pd.Series,
    suspect_threshold: float,
) -> pd.DataFrame:
    """Fetch a counter-evidence rule's ``expression`` for the accounts ``over`` (those it
    would flag), with the accounts scoring ``suspect_threshold`` or more as the suspects whose
    contact does not count; no rows (and no query) when ``over`` is empty."""
    if not over:
        return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    ids = ibis.memtable(
        pd.DataFrame({"account_id": sorted(over)}, dtype="object"),
        schema=ibis.schema({"account_id": "string"}),
    )
    sus = ibis.memtable(
        pd.DataFrame(
            {"account_id": sorted(scores[scores >= suspect_threshold].index)}, dtype="object"
        ),
        schema=ibis.schema({"account_id": "string"}),
    )
    out: pd.DataFrame = fetch(expression(ctx, ids, sus))
    return out


def known_contacts(ctx: DetectionContext, accounts: ir.Table, suspects: ir.Table) -> ir.Table:
    """(k_id, n_known, example): per account of ``accounts``, the accounts not in
    ``suspects`` that it acted on and that acted on it (either order, any action)."""
    ev = ctx.events.filter(
        ctx.events.target_id.notnull() & (ctx.events.actor_id != ctx.events.target_id)
    )
    ids = accounts.select(k_id=accounts.account_id).distinct()
    out = ev.semi_join(ids, ev.actor_id == ids.k_id)
    out = out.select(o_a=out.actor_id, o_x=out.target_id).distinct()
    inn = ev.semi_join(ids, ev.target_id == ids.k_id)
    inn = inn.select(i_a=inn.target_id, i_x=inn.actor_id).distinct()
    both = out.inner_join(inn, (out.o_a == inn.i_a) & (out.o_x == inn.i_x))
    sus = suspects.select(s_id=suspects.account_id)
    both = both.anti_join(sus, both.o_x == sus.s_id)
    return both.group_by(k_id=both.o_a).aggregate(
        n_known=both.o_x.nunique(), example=both.o_x.min()
    )
