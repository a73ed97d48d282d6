"""Idle personas: operation evidence for operator accounts that never touch a target.

At stealth 2 about half of the operator accounts a detection misses never act on any of their
operation's targets (seeds 1–40: 167 of 331 missed). They are personas the operation keeps in
reserve: cover activity only (reactions, posts, shares, a few messages to their own friends),
so no per-account signal fires and no target ties them to the operation. What remains is what
the operation cannot hide cheaply: the infrastructure and the legend it gives its personas.

``operation_shared_exit``
    the account uses, as its *home* address (≥ ``min_home_share`` of its events, on ≥
    ``min_address_events`` events), an address that a member of the operation *flagged on its
    own evidence* also uses as its home, that at most ``max_accounts_per_address`` accounts
    use in all, **and** it claims the country that such a member claims.

    An operation runs its personas from a handful of exits (a VPN exit, a rented proxy) and
    builds every persona the same legend (a compatriot of its targets: Meta's December 2021
    report). An address alone is weak: the other customers of a small VPN exit share it too
    (the detection's shared-infrastructure step therefore never links on it alone, and this
    rule needs it as the account's home, not one session). What refuses most of them is the
    legend: on seeds 1–40 (stealth 2) 7 % of the ordinary accounts living on a member's home
    exit claim a country a member claims, against 85 % of the operators there (39 of 46;
    measured with every member anchoring).

    Where it breaks: on a large platform a commercial VPN exit is used by thousands, so the
    popularity limit leaves only the operation's own (rarely shared) exits — the rule then
    admits fewer operators, not more strangers. A persona that claims a country none of the
    detected members claims, or that keeps its home on its own residential line (the
    operation's exit only for some sessions), is not admitted. A household is the real risk:
    housemates, a home router or an office share an address *and* a country, so the rule
    anchors only on members flagged on their own evidence (never on an account admitted by
    expansion or operation evidence, which would chain its household in), and
    ``hosting_only`` can require the address to be on a listed hosting / VPN network.

Wired in as one rule of :class:`counterspy.detect.opevidence.OperationEvidence` (its policy
is the ``shared_exit`` field there): the same anchors, outsider and age conditions,
counter-evidence refusal, rounds and signal rows as the other operation-evidence rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.detect.base import DetectionContext
from counterspy.detect.recon import hosting_asns

if TYPE_CHECKING:
    from counterspy.detect.opevidence import OperationEvidence, _Anchors


@dataclass(frozen=True)
class SharedExit:
    """Limits of the ``operation_shared_exit`` rule (see the module docstring).

    Measured on seeds 1–40 at stealth 2 against the detection of main (session 8): see
    docs/detection.md, "Idle personas"."""

    # OFF by default (session 8, measured both ways): at stealth 2 (seeds 1-40, own-evidence
    # anchors) it found 35 operators for 2 ordinary accounts, but at stealth 1 (seeds 1-6) it
    # admitted 3 VPN customers for 7 operators (precision 0.997 -> 0.989, under the 0.99 bar):
    # an address and a claimed country are too weak to disable accounts on. True: on.
    enabled: bool = False
    # An address used by more accounts is a public exit or a carrier's NAT address (the
    # coordination step's shared-IP limit is the same 6).
    max_accounts_per_address: int = 6
    # The address carries at least this share of the account's (and the member's) events
    # that name an address: its home, not one session through it.
    min_home_share: float = 0.5
    # ... on at least this many of the account's events (one login through a VPN is nobody's
    # home; 1 admitted 5 more ordinary accounts and no operator on seeds 1-40).
    min_address_events: int = 2
    # The account claims a country that a member of the operation claims. False: the address
    # alone admits (on seeds 1-40 that admitted ~9 ordinary VPN users per operator gained).
    same_claimed_country: bool = True
    # The account is at most this old (the operation-evidence limit, 1000, applies too). An
    # address and a legend are weaker than a device: the other customers of a small exit are
    # mostly older accounts (ordinary persons' median age 1,114 days on seeds 1-5, operators'
    # 247). On seeds 1-40 (stealth 2) 1000 admitted 8 ordinary accounts and 36 operators not
    # flagged before; 600 refuses 5 of those 8 (aged 614-859 days) and 3 of those operators
    # (629-884), of whom detection loses 2 (the third is found another way).
    max_account_age_days: int = 600
    # Anchors are the members flagged on their own evidence (the pipeline's core: flagged by
    # their signals or pooled in a ring), never accounts admitted by expansion or operation
    # evidence: one wrongly admitted account must not bring in the people it lives with.
    # False: every member anchors.
    own_evidence_anchors: bool = True
    # Only an address on a listed hosting network (data/networks.yaml: VPN exits, cloud
    # hosts) links: households live on residential lines. Off: on seeds 1-40 (stealth 2) 16
    # of the 35 operators the rule admits live on commercial VPN networks the list lacks
    # (AS136787, AS206092, AS60068), so it would cost ~half the rule's recall for 1 of 2
    # ordinary accounts (docs/detection.md, "Idle personas").
    hosting_only: bool = False

    @property
    def legend_text(self) -> str:
        """What the signal sentence says about the claimed country."""
        return "claims a country its members claim" if self.same_claimed_country else "any country"


def shared_exit(policy: OperationEvidence, ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """Admitted (account, operation) rows of the ``operation_shared_exit`` rule."""
    p = policy.shared_exit
    if not p.enabled:
        # Off: no query at all (an empty table of the rules' columns).
        return _none(ctx)
    home = p.min_home_share - 1e-9
    # Anchors: members flagged on their own evidence, not accounts admitted by operation
    # evidence or expansion (a wrongly flagged member would otherwise pull in its household).
    m = a.own_members if p.own_evidence_anchors else a.members
    # Members' home addresses (from the members' events: ``a.actor_events`` covers them).
    e = a.actor_events.filter(a.actor_events.ip.notnull())
    em = e.inner_join(m, e.actor_id == m.m_id)
    per = em.group_by(k_m=em.actor_id, k_op=em.o_id, k_key=em.ip).aggregate(k_on=em.count())
    tot = per.group_by(t_m=per.k_m).aggregate(t_n=per.k_on.sum())
    per = per.inner_join(tot, per.k_m == tot.t_m)
    per = per.filter(per.k_on >= per.t_n * home).select("k_m", "k_op", "k_key")
    keys = per.select(u_ip=per.k_key).distinct()
    # Who else uses those addresses, and how often.
    ev = ctx.events.filter(ctx.events.ip.notnull())
    used = ev
    if p.hosting_only:
        used = ev.filter(ev.asn.isin(list(hosting_asns())).fill_null(False))
    on = used.inner_join(keys, used.ip == keys.u_ip)
    on = on.group_by(x=on.actor_id, ip=on.ip).aggregate(
        n_on=on.count(), first=on.ts.min(), last=on.ts.max()
    )
    c = a.rare_shared(on, "ip", per, p.max_accounts_per_address)
    c = c.filter(c.n_on >= p.min_address_events)
    c = a.keep(c.select("x", "ip", "n_on", "first", "last", "k_pop", "k_m", "k_op"))
    # The candidates' own totals: is the address their home?
    xs = c.select(s_x=c.x).distinct()
    mine = ev.inner_join(xs, ev.actor_id == xs.s_x)
    mine = mine.group_by(s_x=mine.actor_id).aggregate(s_n=mine.count())
    c = c.inner_join(mine, c.x == mine.s_x)
    c = c.mutate(share=c.n_on.cast("float64") / c.s_n.cast("float64"))
    c = c.filter(c.share >= home)
    c = c.filter(c.x != c.k_m)
    if p.same_claimed_country:
        acc = ctx.accounts.select(cc_id=ctx.accounts.account_id, cc=ctx.accounts.country)
        mc = m.inner_join(acc, m.m_id == acc.cc_id).select(mc_op=m.o_id, mc_cc=acc.cc).distinct()
        mine_cc = acc.select(xc_id=acc.cc_id, xc=acc.cc)
        c = c.inner_join(mine_cc, c.x == mine_cc.xc_id)
        c = c.inner_join(mc, (c.k_op == mc.mc_op) & (c.xc == mc.mc_cc))
    g = c.group_by(account_id=c.x, operation_id=c.k_op).aggregate(
        value=c.share.max(),
        n=c.k_m.nunique(),
        extra=c.k_pop.max().cast("float64"),
        example=c.ip.min(),
        window_start=c.first.min(),
        window_end=c.last.max(),
    )
    f = a.finish(g, "operation_shared_exit", "value")
    return f.filter(f.age_days <= p.max_account_age_days)


def _none(ctx: DetectionContext) -> ir.Table:
    """An empty table of the operation-evidence columns (the rule switched off)."""
    ts = ctx.events.ts.type()
    schema = ibis.schema(
        {
            "account_id": "string",
            "operation_id": "string",
            "signal": "string",
            "value": "float64",
            "n": "int64",
            "extra": "float64",
            "example": "string",
            "age_days": "int64",
            "window_start": ts,
            "window_end": ts,
        }
    )
    return ibis.memtable(pd.DataFrame(columns=list(schema.names)), schema=schema)
