"""Coordination: accounts acting together, SynchroTrap-style, plus shared infrastructure.

Actions become (actor, object, time bucket) with the object a target account. Two actions
match when they hit the same object in the same bucket and (``max_gap_hours``, a sliding
window) within 7 days of each other; work is partitioned by object, and an
object acted on by more than ``max_actors_per_object`` accounts in one bucket is skipped — that
is where benign crowds (a viral post, a celebrity's profile) live, and where all-pairs work
would explode. A pair of accounts is coordinated when it matched on at least ``min_shared``
objects and the Jaccard similarity of their object sets reaches ``min_jaccard``.

Infrastructure edges link accounts sharing a device, an IP used by few accounts, an
ASN + user-agent fingerprint used by few accounts, or a profile photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from counterspy.detect.acquainted import without_acquaintances
from counterspy.detect.base import CONTACT_TYPES, RECON_TYPES, DetectionContext
from counterspy.detect.recon import hosting_asns
from counterspy.detect.rotating import RotatingAddresses

EDGE_COLUMNS = ("a", "b", "kind", "strength", "evidence")


@dataclass(frozen=True)
class CoAction:
    """SynchroTrap pair similarity over shared targets within a time window."""

    name = "coordination.co_action"
    version = 1

    window_hours: float = 24.0 * 30
    max_actors_per_object: int = 50
    min_shared: int = 2
    full_shared: int = 3
    min_jaccard: float = 0.2
    # Two accounts that each read many of the same few hundred at-risk people overlap by
    # chance (two researchers reading 80 and 45 of 170 journalists share ~20). A pair counts
    # only when it shares ``min_lift`` times more objects than two random picks of the same
    # sizes from the at-risk population would (expected overlap n_a * n_b / N).
    min_lift: float = 3.0
    # Ordinary friends share many acquaintances; operators share *at-risk* targets. Matching
    # only on at-risk objects keeps benign friend circles out of the co-action graph.
    at_risk_objects_only: bool = True
    # Sliding pair window: two accounts match on a shared object only when they acted on it
    # within ``max_gap_hours`` of each other (any pair of their actions on it), whichever
    # calendar bucket the actions fell in. An operation's personas work a person in the same
    # days; two researchers reading the same journalists meet on them weeks apart. ``None``:
    # the bucket alone decides (actions anywhere in the same ``window_hours`` bucket match).
    max_gap_hours: float | None = 168.0
    # An at-risk person the account reacted to or commented on is an acquaintance (a friend of
    # a friend, a writer it reads), not a target: its looks at that person are not co-action
    # (detect/acquainted.py). False: every look counts.
    skip_acquainted: bool = True

    def edges(self, ctx: DetectionContext, actors: ir.Table) -> ir.Table:
        """Coordinated pairs among ``actors`` (a table with column ``account_id``)."""
        types = RECON_TYPES + CONTACT_TYPES
        width = int(self.window_hours * 3600)

        def bucketed(ev: ir.Table) -> ir.Table:
            ev = ev.filter(
                ev.event_type.isin(types) & ev.target_id.notnull() & (ev.actor_id != ev.target_id)
            )
            return ev.select(
                actor=ev.actor_id,
                obj=ev.target_id,
                bucket=(ev.ts.epoch_seconds() // width).cast("int64"),
            ).distinct()

        mine = ctx.events_of(actors)
        acts = bucketed(mine)
        if self.skip_acquainted:
            acts = without_acquaintances(acts, mine, "actor", "obj")
        if self.at_risk_objects_only:
            r = ctx.at_risk_accounts.select(o_r=ctx.at_risk_accounts.r_id)
            acts = acts.inner_join(r, acts.obj == r.o_r).drop("o_r")
        # Crowd size counts every account acting on those objects, not only suspects: a crowd
        # is benign evidence (a viral story, a celebrity).
        objs = acts.select(o_id=acts.obj).distinct()
        # At-risk objects: every event on them is in ctx.on_at_risk already (no events scan).
        src = ctx.on_at_risk if self.at_risk_objects_only else ctx.events
        on_objs = src.inner_join(objs, src.target_id == objs.o_id).drop("o_id")
        every = bucketed(on_objs)
        sizes = every.group_by("obj", "bucket").aggregate(k=every.count())
        sizes = sizes.filter((sizes.k >= 2) & (sizes.k <= self.max_actors_per_object))
        acts_ok = acts.inner_join(sizes, ["obj", "bucket"]).select("actor", "obj", "bucket")
        if self.max_gap_hours is None:
            left = acts_ok.rename(a="actor")
            right = acts_ok.rename(b="actor")
            pairs = left.inner_join(right, ["obj", "bucket"])
            pairs = pairs.filter(pairs.a < pairs.b)
        else:
            pairs = self._close_pairs(ctx, acts_ok, types)
        shared = pairs.group_by("a", "b").aggregate(shared=pairs.obj.nunique())
        shared = shared.filter(shared.shared >= self.min_shared)
        per = acts.group_by("actor").aggregate(n_obj=acts.obj.nunique())
        pa = per.rename(a="actor", n_a="n_obj")
        pb = per.rename(b="actor", n_b="n_obj")
        j = shared.inner_join(pa, "a").inner_join(pb, "b")
        j = j.mutate(jaccard=j.shared / (j.n_a + j.n_b - j.shared))
        j = j.filter(j.jaccard >= self.min_jaccard)
        if self.min_lift > 0 and self.at_risk_objects_only:
            pool = ctx.at_risk_accounts.aggregate(n_pool=ctx.at_risk_accounts.r_id.nunique())
            j = j.cross_join(pool)
            expected = j.n_a.cast("float64") * j.n_b / ibis.greatest(j.n_pool, 1)
            j = j.filter(j.shared >= self.min_lift * expected)
        return j.select(
            a=j.a,
            b=j.b,
            kind=ibis.literal("co_action"),
            # Similarity, discounted while the evidence is thin (fewer than full_shared targets).
            strength=j.jaccard * ibis.least(j.shared / self.full_shared, 1.0),
            evidence=ibis.literal("acted on ")
            + j.shared.cast("string")
            + " of the same accounts within "
            + str(round(self.window_hours))
            + " h windows"
            + (
                ""
                if self.max_gap_hours is None
                else f", each within {round(self.max_gap_hours)} h of the other"
            )
            + " (Jaccard "
            + j.jaccard.round(2).cast("string")
            + " ≥ "
            + str(self.min_jaccard)
            + ", min "
            + str(self.min_shared)
            + " shared)",
        )

    def _close_pairs(
        self, ctx: DetectionContext, acts_ok: ir.Table, types: tuple[str, ...]
    ) -> ir.Table:
        """(a, b, obj) where a and b acted on obj within ``max_gap_hours`` of each other.

        Only (actor, object) rows that passed the bucket and crowd filters take part; their
        action times are kept at hour resolution (distinct), so the self-join stays small.
        """
        assert self.max_gap_hours is not None
        ev = ctx.events_of(acts_ok.select(account_id=acts_ok.actor).distinct())
        ev = ev.filter(ev.event_type.isin(types) & ev.target_id.notnull())
        hours = ev.select(
            actor=ev.actor_id, obj=ev.target_id, h=(ev.ts.epoch_seconds() // 3600).cast("int64")
        ).distinct()
        keys = acts_ok.select("actor", "obj").distinct()
        hours = hours.semi_join(keys, ["actor", "obj"])
        left = hours.rename(a="actor", ha="h")
        right = hours.rename(b="actor", hb="h")
        p = left.inner_join(right, "obj")
        p = p.filter((p.a < p.b) & ((p.ha - p.hb).abs() <= int(self.max_gap_hours)))
        return p.select("a", "b", "obj").distinct()


@dataclass(frozen=True)
class SharedInfrastructure:
    """Accounts sharing a device, a rarely shared IP, an ASN + user agent, or a photo."""

    name = "coordination.shared_infrastructure"
    version = 1

    max_accounts_per_device: int = 20
    max_accounts_per_ip: int = 6
    max_accounts_per_fingerprint: int = 10
    max_accounts_per_photo: int = 20
    # ASN + user agent is shared by every user of one VPN exit with a common browser: kept as
    # evidence in the edge table but off for scoring unless asked for.
    use_fingerprint: bool = False
    # Off: addresses on hosting networks (VPN exits, cloud hosts) never link accounts. Measured
    # on the tuning seeds (stealth 2): 5 fewer false positives, 9 fewer operators; kept on.
    hosting_ips: bool = True
    # Addresses from a pool the account rotates through (a carrier's NAT pool) link nobody:
    # detect/rotating.py.
    rotating: RotatingAddresses = field(default_factory=RotatingAddresses)

    def _pairs(
        self,
        keyed: ir.Table,
        actors: ir.Table,
        kind: str,
        limit: int,
        label: str,
        eligible: ir.Table | None = None,
    ) -> ir.Table:
        # Popularity is counted over every account, so a carrier-grade NAT address shared by
        # thousands never links two suspects; pairs are then formed among ``actors`` only.
        keyed = keyed.filter(keyed.key.notnull())
        mine = keyed.inner_join(actors, keyed.actor == actors.account_id).select(m_key=keyed.key)
        mine = mine.distinct()
        keyed = keyed.inner_join(mine, keyed.key == mine.m_key).select("actor", "key").distinct()
        n = keyed.group_by("key").aggregate(k=keyed.count())
        n = n.filter((n.k >= 2) & (n.k <= limit))
        ok = keyed.inner_join(n, "key").select("actor", "key", "k")
        ok = ok.inner_join(actors, ok.actor == actors.account_id).select("actor", "key", "k")
        if eligible is not None:
            # Popularity counted every account above; only eligible (actor, key) rows link.
            el = eligible.select(e_actor=eligible.actor, e_key=eligible.key)
            ok = ok.semi_join(el, (ok.actor == el.e_actor) & (ok.key == el.e_key))
        left = ok.rename(a="actor")
        right = ok.select(b=ok.actor, key=ok.key)
        p = left.inner_join(right, "key")
        p = p.filter(p.a < p.b)
        p = p.group_by("a", "b").aggregate(key=p.key.min(), k=p.k.min(), n_keys=p.key.nunique())
        return p.select(
            a=p.a,
            b=p.b,
            kind=ibis.literal(kind),
            strength=ibis.literal(1.0, type="float64"),
            evidence=ibis.literal(f"share {label} ")
            + p.key
            + " (used by "
            + p.k.cast("string")
            + " accounts, limit "
            + str(limit)
            + ")",
        )

    def edges(self, ctx: DetectionContext, actors: ir.Table) -> ir.Table:
        # Only keys ``actors`` used matter: ctx.key_events narrows the events to every event
        # on those keys (by anyone) in one scan when the context knows the actors' events.
        ev = ctx.events if ctx.actor_events is None else ctx.key_events
        ip_events = ev
        if not self.hosting_ips:
            # A VPN or cloud exit address is shared by strangers who picked the same provider.
            ip_events = ev.filter(~ev.asn.isin(list(hosting_asns())).fill_null(False))
        parts = [
            self._pairs(
                ev.select(actor=ev.actor_id, key=ev.device_id),
                actors,
                "shared_device",
                self.max_accounts_per_device,
                "device",
            ),
            self._pairs(
                ip_events.select(actor=ip_events.actor_id, key=ip_events.ip),
                actors,
                "shared_ip",
                self.max_accounts_per_ip,
                "IP",
                self.rotating.stable(ev, actors) if self.rotating.enabled else None,
            ),
        ]
        if self.use_fingerprint:
            wide = ctx.all_event_columns  # the user agent may be left out of the cache
            parts.append(
                self._pairs(
                    wide.select(
                        actor=wide.actor_id,
                        key=wide.asn.cast("string") + " | " + wide.user_agent,
                    ),
                    actors,
                    "shared_fingerprint",
                    self.max_accounts_per_fingerprint,
                    "ASN + user agent",
                )
            )
        acc = ctx.accounts
        parts.append(
            self._pairs(
                acc.select(actor=acc.account_id, key=acc.photo_hash),
                actors,
                "shared_photo",
                self.max_accounts_per_photo,
                "profile photo",
            )
        )
        return ibis.union(*parts)
