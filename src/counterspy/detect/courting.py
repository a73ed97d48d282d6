"""Courting: a persona holding a long conversation with an at-risk stranger (Black Cube style).

Black Cube's personas (bogus firms, recruiters, researchers) send no links: they befriend an
at-risk person and keep writing until the person answers, so the "rarely answered" outreach
signal (engagement.at_risk_outreach, max 50 % answered) never fires for them. What ordinary
accounts do not do is spend most of their contacts on such conversations: a persona contacts
a handful of people and courts one or two at-risk strangers with many messages; a recruiter,
researcher or NGO worker writing to at-risk people contacts many others as well, and a friend
who chats at length with an activist was not a stranger to them. Nor is a person whose posts
the account reacted to or commented on (an acquaintance, ``skip_acquainted``: session 7, see
detect/acquainted.py): on 59 platforms (seeds 1–40 and 601–603 at stealth 2, 601–603 at
stealth 1, 1–3 at stealth 0, 1–10 at stealth 3) the signal fired on 159 operators, none of whom
had courted an acquaintance, and on 2 ordinary accounts, both of whom had.

Most Black Cube personas court a single person, which the share above cannot tell from an
ordinary chat; :func:`courting_targets` is the operation-evidence rule for them: courting (a
friend request and several messages, as a stranger) a target of an operation already found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from counterspy.detect.acquainted import without_acquaintances
from counterspy.detect.base import CONTACT_TYPES, DetectionContext, Detector, fmt, register
from counterspy.detect.narrow import named, touching, unless_empty
from counterspy.model import EventType, Phase

if TYPE_CHECKING:
    from counterspy.detect.opevidence import OperationEvidence, _Anchors


@register
@dataclass(frozen=True)
class CourtedStrangers(Detector):
    """Many messages to an at-risk stranger who answered, on a large share of all contacts."""

    name = "engagement.courted_strangers"
    version = 1
    phase = Phase.ENGAGEMENT.value

    min_messages: int = 5  # messages the actor sent one at-risk stranger
    min_courted: int = 1  # at-risk strangers courted so (and answered)
    min_share: float = 0.4  # courted strangers / all accounts contacted
    weight: float = 1.0
    # A person the account reacted to or commented on is an acquaintance, not a stranger
    # courted (detect/acquainted.py). False: the target's not having acted first decides.
    skip_acquainted: bool = True

    def run(self, ctx: DetectionContext) -> ir.Table:
        t = ctx.on_at_risk
        t = t.filter(t.event_type == EventType.MESSAGE.value)
        per = t.group_by(p_actor=t.actor_id, p_target=t.target_id).aggregate(n_msg=t.count())
        per = per.filter(per.n_msg >= self.min_messages)
        pairs = ctx.at_risk_pairs(CONTACT_TYPES)
        pairs = pairs.filter(pairs.stranger & pairs.answered)
        if self.skip_acquainted:
            pairs = without_acquaintances(pairs, ctx.on_at_risk, "actor_id", "target_id")
        j = pairs.inner_join(
            per, (pairs.actor_id == per.p_actor) & (pairs.target_id == per.p_target)
        )
        agg = j.group_by(account_id=j.actor_id).aggregate(
            n_courted=j.target_id.nunique(),
            max_msg=j.n_msg.max(),
            first=j.first.min(),
            last=j.last.max(),
        )
        agg = agg.filter(agg.n_courted >= self.min_courted)
        tot = ctx.distinct_targets(agg.select("account_id"), CONTACT_TYPES, suspects=True)
        agg = agg.inner_join(tot, "account_id")
        agg = agg.mutate(share=agg.n_courted / ibis.greatest(agg.n_targets, 1))
        hit = agg.filter(agg.share >= self.min_share)
        ev = (
            ibis.literal("courted ")
            + fmt(hit.n_courted, 0)
            + " at-risk strangers who answered with at least "
            + str(self.min_messages)
            + " messages each (most "
            + fmt(hit.max_msg, 0)
            + "); they are "
            + fmt(hit.share * 100, 0)
            + "% of "
            + fmt(hit.n_targets, 0)
            + " accounts contacted (min "
            + str(round(self.min_share * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="courted_strangers",
            value=hit.n_courted,
            threshold=self.min_courted,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev,
        )


def courting_targets(policy: OperationEvidence, ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """Operation evidence ``operation_courting``: an outsider that courted one of a detected
    operation's targets as a stranger (the target had not acted on it before its first
    request, message or look at them), and that acted on at most ``max_courting_targets``
    other accounts in all.
    Courting is a friend request (≥ ``min_courting_requests``) and either ≥
    ``min_courting_messages`` messages, or a look at the profile and ≥
    ``min_looked_messages`` messages (the persona's full sequence: look, befriend, write).

    A Black Cube-style persona courts one or two people, so none of the per-account signals
    (which count many strangers) reaches it; that the person it courts is a target of an
    operation already found is what gives it away. (account, operation) rows for
    :meth:`_Anchors.finish`: ``value`` the most messages to one courted target, ``n`` the
    courted targets, ``extra`` the accounts it acted on in all.
    """
    mt = a.member_targets()
    pairs = approach_pairs(approaches(ctx, a))
    looked = (pairs.n_view > 0) & (pairs.n_msg >= max(policy.min_looked_messages, 1))
    if policy.min_looked_messages <= 0:
        looked = ibis.literal(False)
    courted = (pairs.n_msg >= policy.min_courting_messages) | looked
    pairs = a.keep(pairs.filter(courted & (pairs.n_req >= policy.min_courting_requests)))
    pairs, _ = as_strangers(ctx, a, pairs, drop_self=True)
    g = per_operation(pairs.inner_join(mt, pairs.t == mt.t_id), policy.max_courting_targets)
    if policy.min_courting_messages <= 0:
        g = g.filter(ibis.literal(False))
    return a.finish(g, "operation_courting", "value")


COURTING_TYPES = (
    EventType.FRIEND_REQUEST.value,
    EventType.MESSAGE.value,
    EventType.PROFILE_VIEW.value,
)


def approaches(ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """(ts, actor_id, event_type, target_id): every look, friend request and message
    (:data:`COURTING_TYPES`) by an outsider (not flagged, not protected) naming an account the
    anchoring operations' members targeted. Operation courting and ``detect/conversation.py``
    (whose types are among these) both start from these rows: one scan of the events per
    round instead of one per rule, kept in the engine where its cache can hold a query over
    in-memory tables (the anchors)."""
    got = a.shared.get("approaches")
    if got is not None:
        return got
    mt = a.member_targets()
    ids = mt.select(c_t=mt.t_id).distinct()
    e = named(ctx.events)
    e = e.filter(e.event_type.isin(COURTING_TYPES))
    on = a.outsiders(e.inner_join(ids, e.target_id == ids.c_t), "actor_id")
    out = ctx.keep_scoped(on.select("ts", "actor_id", "event_type", "target_id"))
    a.shared["approaches"] = out
    return out


def approach_pairs(on: ir.Table, **more: ir.Scalar) -> ir.Table:
    """(x, t, n_msg, n_req, n_view, first, last, and ``more``): per actor ``x`` and the account
    ``t`` it acted on in ``on`` (events), its messages, friend requests and profile views, and
    its first and last event. Shared by operation courting and ``detect/conversation.py``."""
    return on.group_by(x=on.actor_id, t=on.target_id).aggregate(
        n_msg=_count(on, EventType.MESSAGE),
        n_req=_count(on, EventType.FRIEND_REQUEST),
        n_view=_count(on, EventType.PROFILE_VIEW),
        **more,
        first=on.ts.min(),
        last=on.ts.max(),
    )


def as_strangers(
    ctx: DetectionContext, a: _Anchors, pairs: ir.Table, *, drop_self: bool
) -> tuple[ir.Table, ir.Table]:
    """The (few, already kept) ``pairs`` of :func:`approach_pairs` where ``x`` was a stranger to
    ``t`` (``t`` had not acted on ``x`` before ``x``'s first event in the pair, ``first``), with
    ``n_acted`` (the accounts ``x`` acted on in all; ``drop_self``: not counting itself) and
    ``b_msg`` (when ``t`` first wrote to ``x``; null: never); and the actions of the pairs'
    accounts (one scan of the events for what they did and what was done to them)."""
    xs = pairs.select(v_x=pairs.x).distinct()
    # No pairs (kept, so known): nothing to scan the events for.
    ex = a.keep(touching(unless_empty(named(ctx.events), pairs), xs.v_x))
    did = ex.semi_join(xs, ex.actor_id == xs.v_x)
    counted = did.filter(did.target_id != did.actor_id) if drop_self else did
    tot = counted.group_by(s_x=counted.actor_id).aggregate(n_acted=counted.target_id.nunique())
    back = ex.semi_join(xs, ex.target_id == xs.v_x)
    back = back.group_by(b_t=back.actor_id, b_x=back.target_id).aggregate(
        b_first=back.ts.min(),
        b_msg=back.ts.min(where=back.event_type == EventType.MESSAGE.value),
    )
    pairs = pairs.left_join(back, (pairs.x == back.b_x) & (pairs.t == back.b_t))
    pairs = pairs.filter(pairs.b_first.isnull() | (pairs.b_first > pairs.first))
    return pairs.inner_join(tot, pairs.x == tot.s_x), did


def per_operation(j: ir.Table, max_acted: int) -> ir.Table:
    """(account_id, operation_id, value, n, example, window_start, window_end, n_acted, extra)
    from :func:`as_strangers` pairs joined to the operations' targets (``o_id``): ``value`` the
    most messages to one target, ``n`` the targets, ``extra`` the accounts acted on in all
    (at most ``max_acted``)."""
    g = j.group_by(account_id=j.x, operation_id=j.o_id).aggregate(
        value=j.n_msg.max(),
        n=j.t.nunique(),
        example=j.t.min(),
        window_start=j.first.min(),
        window_end=j.last.max(),
        n_acted=j.n_acted.max(),
    )
    g = g.filter(g.n_acted <= max_acted)
    return g.mutate(extra=g.n_acted.cast("float64"))


def _count(t: ir.Table, kind: EventType) -> ir.IntegerScalar:
    return (t.event_type == kind.value).cast("int64").sum()
