"""Campaign recipients: people who received a link on an operation's own domain from an
account the pipeline did not flag.

An exploitation persona sends links on the operation's throw-away domains; when one of the
operation's senders is missed (below the flag threshold), the people it sent them to were
missed with it, although the link itself ties them to the operation. A *campaign domain* of an
operation is

* one of its own link domains (``TargetPolicy.own_domain_min_members`` of its accounts send
  it, at most ``own_domain_max_senders`` accounts on the whole platform do, and it is not the
  official site of a bundled protected brand — a real newspaper an operator shares as cover is
  nobody's infrastructure), or
* a domain the link heuristic judged bad that one of its accounts sent.

Every account that received a link (a message or a share naming it) on a campaign domain of an
operation from an account that is not flagged is listed as a target of that operation, in
the exploitation phase, with the link as evidence: the sender, the domain, how many of the
operation's accounts and of all accounts send it. Flagged accounts never are (operators are
not targets), and the sender is *not* flagged by this rule: sending one rare domain is not
enough to call an account an operator (operation evidence, detect/opevidence.py, decides that
on more).

Measured on the simulations (stealth 2, main at 832d0f9, before the brand exclusion): such
recipients not listed otherwise, tuning seeds 1–20 18 true / 0 false targets; validation
21–40 25 true / 4 false, the four false ones on real news sites (scmp.com, ft.com,
arabnews.com) a few members shared as cover — the brand exclusion removes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from counterspy.detect.base import DetectionContext
from counterspy.infra.brands import bundled_brands


@dataclass(frozen=True)
class CampaignRecipients:
    """Whether recipients of an operation's campaign links from unflagged senders are listed."""

    enabled: bool = True
    # Leave out the official domains of the bundled protected brands (and their subdomains)
    # from an operation's own domains. False: any domain few accounts send counts.
    exclude_brand_sites: bool = True


def brand_sites() -> ir.Table:
    """(b_dom): the official domains of the bundled protected brands."""
    domains = sorted({d.lower() for b in bundled_brands() for d in b.domains})
    return ibis.memtable(pd.DataFrame({"b_dom": domains}), schema=ibis.schema({"b_dom": "string"}))


def not_brand_sites(t: ir.Table, column: str) -> ir.Table:
    """``t`` without the rows whose ``column`` is a protected brand's site or a subdomain."""
    owned = brand_sites()
    dom = t[column]
    parent = dom.re_replace(r"^[^.]+\.", "")
    return t.anti_join(owned, (dom == owned.b_dom) | (parent == owned.b_dom))


def campaign_links(
    ctx: DetectionContext,
    members: ir.Table,
    operators: ir.Table,
    own: ir.Table,
) -> ir.Table:
    """(target_id, operation_id, ts, actor_id, domain, n_members, n_senders, judged_bad):
    links on an operation's campaign domains sent by unflagged accounts to unflagged accounts.

    ``own``: (o_domain, o_operation) the operations' own domains (already brand-filtered).
    """
    links = ctx.links
    m = members.select(c_id=members.account_id, c_op=members.operation_id)
    mine = links.inner_join(m, links.actor_id == m.c_id)
    per = mine.group_by(k_dom=mine.domain, k_op=mine.c_op).aggregate(
        n_members=mine.actor_id.nunique()
    )
    bad = ctx.bad_domains.select(j_dom=ctx.bad_domains.domain).distinct()
    per = per.left_join(bad, per.k_dom == bad.j_dom)
    per = per.left_join(own, (per.k_dom == own.o_domain) & (per.k_op == own.o_operation))
    per = per.filter(per.j_dom.notnull() | per.o_domain.notnull())
    per = per.select("k_dom", "k_op", "n_members", judged_bad=per.j_dom.notnull())
    doms = per.select(d_dom=per.k_dom).distinct()
    on = links.semi_join(doms, links.domain == doms.d_dom)
    senders = on.group_by(s_dom=on.domain).aggregate(n_senders=on.actor_id.nunique())
    x = on.filter(on.target_id.notnull() & (on.actor_id != on.target_id))
    by_op = operators.select(f_by=operators.account_id)
    to_op = operators.select(f_to=operators.account_id)
    x = x.anti_join(by_op, x.actor_id == by_op.f_by)
    x = x.anti_join(to_op, x.target_id == to_op.f_to)
    x = x.inner_join(per, x.domain == per.k_dom)
    x = x.inner_join(senders, x.domain == senders.s_dom)
    return x.select(
        "target_id",
        operation_id=x.k_op,
        ts=x.ts,
        actor_id=x.actor_id,
        domain=x.domain,
        n_members=x.n_members,
        n_senders=x.n_senders,
        judged_bad=x.judged_bad,
    )


def campaign_facts(links: ir.Table) -> ir.Table:
    """Per (c_target, c_op): the campaign links' count, senders, first/last time and a
    sentence (``c_evidence``) naming an example sender and domain."""
    g = links.group_by(c_target=links.target_id, c_op=links.operation_id).aggregate(
        c_links=links.count(),
        c_senders=links.actor_id.nunique(),
        c_first=links.ts.min(),
        c_last=links.ts.max(),
        c_sender=links.actor_id.min(),
        c_domain=links.domain.min(),
        c_domains=links.domain.nunique(),
        c_bad=links.judged_bad.sum(),
    )
    sentence = (
        ibis.literal("received ")
        + g.c_links.cast("string")
        + " links on "
        + g.c_domains.cast("string")
        + " of this operation's link domains (e.g. "
        + g.c_domain
        + "; "
        + g.c_bad.cast("string")
        + " of the links on judged-bad domains, the others on domains its accounts send that"
        + " few accounts do) from "
        + g.c_senders.cast("string")
        + " account(s) not flagged (e.g. "
        + g.c_sender
        + ")"
    )
    return g.mutate(c_evidence=sentence)
