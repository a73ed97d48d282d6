"""Operation evidence ``operation_conversation``: a stranger holding an answered conversation
with one of a detected operation's targets, after looking at their profile, without a request.

Operation courting (``detect/courting.py``) admits a persona that befriends one of an
operation's targets and writes to them. Many personas never send the friend request: they look
at the person's profile and open a conversation (a recruiter's, a journalist's, a researcher's
approach), and the person answers. After the session-7 rules, that was the largest group of
missed personas that act on a target of their found operation (Black Cube, Cobwebs, Cognyte,
BellTroX, Bluehawk; docs/detection.md, *Session 8: a conversation without a request*).

A conversation is weaker evidence than a friend request plus a conversation, so the rule asks
for more around it: the account looked at the person's profile before it first wrote to them
(``conversation_look_first``), sent ≥
``min_conversation_messages`` messages, the person answered (a real conversation, not spam),
the person had not acted on the account before (a stranger), the account never reacted to or
commented on the person's posts (not an acquaintance, ``detect/acquainted.py``), it acted on at
most ``max_conversation_targets`` accounts in all (a persona's thin cover, not a recruiter's or
a salesperson's many contacts), and the operation it anchors on has at least
``min_conversation_members`` accounts.

The last condition is the *lone-anchor guard*. Session 7 measured this path without it: on
validation seed 35 a persona joined, by a conversation, the one-account "operation" of an NGO
worker flagged on her own reading of at-risk people; with a second member that worker was no
longer alone, so the lone-account counter-evidence (``detect/lone.py``) no longer applied and
she stayed flagged. An operation of two or more accounts is never judged lone, so an admission
into it cannot rescue a weakly flagged account that way.

Why a real operator leaves this trace: a social-engineering persona's job is to get a
particular person talking (Meta's December 2021 report: Black Cube's fake NGO, recruiter and
film-maker personas; Cobwebs' and Cognyte's personas "befriending" or messaging targets to
elicit information). It studies the person's profile first and keeps the rest of the account
thin. Ordinary accounts that write to a stranger are mostly busy (sales, recruiting, dating:
dozens of contacts) or were already known to the person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import ibis.expr.types as ir

from counterspy.detect.acquainted import acquaintances
from counterspy.detect.base import DetectionContext
from counterspy.detect.narrow import named, touching
from counterspy.model import EventType

if TYPE_CHECKING:
    from counterspy.detect.opevidence import OperationEvidence, _Anchors

CONVERSATION_TYPES = (
    EventType.PROFILE_VIEW.value,
    EventType.FRIEND_REQUEST.value,
    EventType.MESSAGE.value,
)


def conversation_targets(policy: OperationEvidence, ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """(account, operation) rows for :meth:`_Anchors.finish` (module docstring): ``value`` the
    most messages to one such target, ``n`` the targets, ``extra`` the accounts it acted on in
    all, ``example`` a target. Off: ``min_conversation_messages`` 0."""
    p = _approach_pairs(policy, ctx, a)
    p = p.filter((p.n_msg >= max(policy.min_conversation_messages, 1)) & p.b_msg.notnull())
    g = _per_operation(policy, p)
    if policy.min_conversation_messages <= 0:
        g = g.filter(g.n < 0)
    return a.finish(g, "operation_conversation", "value")


def brief_courting_targets(
    policy: OperationEvidence, ctx: DetectionContext, a: _Anchors
) -> ir.Table:
    """``operation_brief_courting``: the look, friend request and first message of operation
    courting (``detect/courting.py`` asks for ≥ ``min_looked_messages`` messages after the
    look) with ≥ ``min_brief_courting_messages`` messages, under this module's stricter limits
    (a thin account, an operation of ≥ ``min_conversation_members``). Off:
    ``min_brief_courting_messages`` 0."""
    p = _approach_pairs(policy, ctx, a)
    p = p.filter((p.n_msg >= max(policy.min_brief_courting_messages, 1)) & (p.n_req > 0))
    g = _per_operation(policy, p)
    if policy.min_brief_courting_messages <= 0:
        g = g.filter(g.n < 0)
    return a.finish(g, "operation_brief_courting", "value")


_PAIRS: WeakKeyDictionary[_Anchors, ir.Table] = WeakKeyDictionary()


def _approach_pairs(policy: OperationEvidence, ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """(x, t, o_id, n_msg, n_req, first, last, b_msg, n_acted): an outsider ``x`` that looked at
    ``t``, a target of operation ``o_id`` (of >= ``min_conversation_members`` accounts), and
    then (``conversation_look_first``) sent them >= 1 message, as a stranger and not an
    acquaintance; ``b_msg`` when ``t`` first
    wrote back (null: never), ``n_acted`` the accounts ``x`` acted on in all. Built once per
    round (both rules read it; ``a.keep`` executes it in the pipeline)."""
    got = _PAIRS.get(a)
    if got is not None:
        return got
    m = a.members
    size = m.group_by(s_o=m.o_id).aggregate(s_n=m.m_id.nunique())
    size = size.filter(size.s_n >= policy.min_conversation_members)
    mt = a.member_targets()
    mt = mt.semi_join(size, mt.o_id == size.s_o)
    ids = mt.select(c_t=mt.t_id).distinct()
    e = named(ctx.events)
    e = e.filter(e.event_type.isin(CONVERSATION_TYPES))
    on = a.outsiders(e.inner_join(ids, e.target_id == ids.c_t), "actor_id")
    pairs = on.group_by(x=on.actor_id, t=on.target_id).aggregate(
        n_msg=_count(on, EventType.MESSAGE),
        n_req=_count(on, EventType.FRIEND_REQUEST),
        n_view=_count(on, EventType.PROFILE_VIEW),
        v_first=on.ts.min(where=on.event_type == EventType.PROFILE_VIEW.value),
        m_first=on.ts.min(where=on.event_type == EventType.MESSAGE.value),
        first=on.ts.min(),
        last=on.ts.max(),
    )
    # Looked first, then wrote (``look_first``): a persona studies the person before writing.
    ok = (pairs.n_view > 0) & (pairs.n_msg > 0)
    if policy.conversation_look_first:
        ok = ok & (pairs.v_first <= pairs.m_first)
    pairs = a.keep(pairs.filter(ok).drop("v_first", "m_first"))
    # One scan for the (few) accounts left: what they did and what was done to them.
    xs = pairs.select(v_x=pairs.x).distinct()
    ex = a.keep(touching(named(ctx.events), xs.v_x))
    did = ex.semi_join(xs, ex.actor_id == xs.v_x)
    tot = did.group_by(s_x=did.actor_id).aggregate(n_acted=did.target_id.nunique())
    # Not an acquaintance: it never reacted to or commented on the person's posts.
    q = acquaintances(did)
    pairs = pairs.anti_join(q, (pairs.x == q.q_actor) & (pairs.t == q.q_obj))
    # A stranger: the person first acted on the account (if ever) after its first look,
    # request or message.
    back = ex.semi_join(xs, ex.target_id == xs.v_x)
    back = back.group_by(b_t=back.actor_id, b_x=back.target_id).aggregate(
        b_first=back.ts.min(),
        b_msg=back.ts.min(where=back.event_type == EventType.MESSAGE.value),
    )
    pairs = pairs.left_join(back, (pairs.x == back.b_x) & (pairs.t == back.b_t))
    pairs = pairs.filter(pairs.b_first.isnull() | (pairs.b_first > pairs.first))
    pairs = pairs.inner_join(tot, pairs.x == tot.s_x)
    j = pairs.inner_join(mt, pairs.t == mt.t_id)
    out = a.keep(j.select("x", "t", "o_id", "n_msg", "n_req", "first", "last", "b_msg", "n_acted"))
    _PAIRS[a] = out
    return out


def _per_operation(policy: OperationEvidence, j: ir.Table) -> ir.Table:
    g = j.group_by(account_id=j.x, operation_id=j.o_id).aggregate(
        value=j.n_msg.max(),
        n=j.t.nunique(),
        example=j.t.min(),
        window_start=j.first.min(),
        window_end=j.last.max(),
        n_acted=j.n_acted.max(),
    )
    g = g.filter(g.n_acted <= policy.max_conversation_targets)
    return g.mutate(extra=g.n_acted.cast("float64"))


def _count(t: ir.Table, kind: EventType) -> ir.IntegerScalar:
    return (t.event_type == kind.value).cast("int64").sum()
