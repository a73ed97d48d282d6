"""Rotating addresses: an IP address drawn from a pool the account rotates through links nobody.

Shared infrastructure counts an IP address used by at most six accounts as a link between
them. That holds for an operation's own exits (a rented server, a VPN exit the personas use
as their home) but not for pools of dynamic addresses (a mobile carrier's NAT pool, a
broadband provider's DHCP range): there an account gets a different address every few
sessions, and two strangers on the same carrier end up on the same address by chance. On a
large platform the popularity limit hides that (a NAT address is used by thousands); on a
small one, or a small carrier, a pool address is "rare" and links strangers. On the tuning and
validation simulations (seeds 1–40, stealth 2) 21 of the 26 benign accounts flagged with a
shared address shared only addresses of networks on which they had used two or more
addresses in the month (measured effect: docs/detection.md, "Rotating addresses").

The account's own behaviour shows which case it is: on a network where it used
``min_addresses`` or more distinct addresses in the observed period, its addresses are drawn
from a pool, and none of them links it to anyone. On a network where it used one address (the
operation's server, a VPN exit used as home, a home line shared by a household), that address
still links it. Computed from the candidates' own key events (``DetectionContext.key_events``:
one row per account, address, device and network), never the whole events.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True)
class RotatingAddresses:
    """Which (account, address) pairs may link accounts (see the module docstring)."""

    # False: every address links, as before.
    enabled: bool = True
    # An account that used this many distinct addresses of one network (ASN) in the observed
    # period rotates through a pool there: none of those addresses links it. 2 and 3 gave the
    # same results on seeds 1-40 (stealth 2); 3 leaves a household's two lines linking.
    min_addresses: int = 3

    def stable(self, ev: ir.Table, actors: ir.Table) -> ir.Table:
        """(actor, key) — ``actors``' addresses that may link them: on networks where the
        account used fewer than ``min_addresses`` addresses. ``ev``: (actor_id, ip, asn) rows
        covering every address the actors used; ``actors``: (account_id)."""
        ids = actors.select(r_id=actors.account_id).distinct()
        mine = ev.filter(ev.ip.notnull()).inner_join(ids, ev.actor_id == ids.r_id)
        mine = mine.select(actor=mine.actor_id, key=mine.ip, asn=mine.asn).distinct()
        per = mine.group_by(p_actor=mine.actor, p_asn=mine.asn).aggregate(n_ips=mine.key.nunique())
        if self.enabled:
            per = per.filter(per.n_ips < self.min_addresses)
        j = mine.inner_join(
            per, (mine.actor == per.p_actor) & (mine.asn.fill_null(-1) == per.p_asn.fill_null(-1))
        )
        return j.select("actor", "key").distinct()
