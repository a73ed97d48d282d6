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

import ibis
import ibis.expr.types as ir

from counterspy.detect.acquainted import acquaintances
from counterspy.detect.base import DetectionContext
from counterspy.detect.courting import approach_pairs, approaches, as_strangers, per_operation
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
    if policy.min_conversation_messages <= 0:
        return a.finish(_nothing(a), "operation_conversation", "value")
    p = _approach_pairs(ctx, a)
    # Answered: the person wrote back after the account's first message (null: never).
    p = p.filter((p.n_msg >= policy.min_conversation_messages) & (p.b_msg > p.m_first))
    g = per_operation(p, policy.max_conversation_targets)
    return a.finish(g, "operation_conversation", "value")


def brief_courting_targets(
    policy: OperationEvidence, ctx: DetectionContext, a: _Anchors
) -> ir.Table:
    """``operation_brief_courting``: the look, friend request and first message of operation
    courting (``detect/courting.py`` asks for ≥ ``min_looked_messages`` messages after the
    look), in that order (the look before the first request), with ≥
    ``min_brief_courting_messages`` messages, under this module's stricter limits (a thin
    account, an operation of ≥ ``min_conversation_members``). Off:
    ``min_brief_courting_messages`` 0."""
    if policy.min_brief_courting_messages <= 0:
        return a.finish(_nothing(a), "operation_brief_courting", "value")
    p = _approach_pairs(ctx, a)
    # The persona's sequence: it looked at the person's profile before its first request.
    p = p.filter(
        (p.n_msg >= policy.min_brief_courting_messages) & (p.n_req > 0) & (p.v_first <= p.r_first)
    )
    g = per_operation(p, policy.max_conversation_targets)
    return a.finish(g, "operation_brief_courting", "value")


_PAIRS: WeakKeyDictionary[_Anchors, ir.Table] = WeakKeyDictionary()


def _approach_pairs(ctx: DetectionContext, a: _Anchors) -> ir.Table:
    """(x, t, o_id, n_msg, n_req, v_first, r_first, m_first, first, last, b_msg, n_acted): an
    outsider ``x`` that looked at ``t``, a target of operation ``o_id`` (of >=
    ``min_conversation_members`` accounts), and then (``conversation_look_first``) sent them
    >= 1 message, as a stranger and not an acquaintance; ``v_first``, ``r_first``,
    ``m_first`` its first look, request and message, ``b_msg`` when ``t`` first wrote back
    (null: never), ``n_acted`` the accounts ``x`` acted on in all. Built once per round (both
    rules read it; ``a.keep`` executes it in the pipeline); the policy is the anchors' own
    (``a.policy``), so the cache by anchors is exact."""
    got = _PAIRS.get(a)
    if got is not None:
        return got
    policy = a.policy
    m = a.members
    size = m.group_by(s_o=m.o_id).aggregate(s_n=m.m_id.nunique())
    size = size.filter(size.s_n >= policy.min_conversation_members)
    mt = a.member_targets()
    mt = mt.semi_join(size, mt.o_id == size.s_o)
    ids = mt.select(c_t=mt.t_id).distinct()
    # Outsiders' approaches to every operation's targets (shared with operation courting:
    # one scan of the events per round), narrowed to these operations' targets.
    on = approaches(ctx, a)
    on = on.filter(on.event_type.isin(CONVERSATION_TYPES))
    on = on.semi_join(ids, on.target_id == ids.c_t)
    pairs = approach_pairs(
        on,
        v_first=on.ts.min(where=on.event_type == EventType.PROFILE_VIEW.value),
        r_first=on.ts.min(where=on.event_type == EventType.FRIEND_REQUEST.value),
        m_first=on.ts.min(where=on.event_type == EventType.MESSAGE.value),
    )
    # Looked first, then wrote (``look_first``): a persona studies the person before writing.
    ok = (pairs.n_view > 0) & (pairs.n_msg > 0)
    if policy.conversation_look_first:
        ok = ok & (pairs.v_first <= pairs.m_first)
    pairs = a.keep(pairs.filter(ok))
    # A stranger: the person first acted on the account (if ever) after its first look,
    # request or message.
    pairs, did = as_strangers(ctx, a, pairs, drop_self=False)
    # Not an acquaintance: it never reacted to or commented on the person's posts.
    q = acquaintances(did)
    pairs = pairs.anti_join(q, (pairs.x == q.q_actor) & (pairs.t == q.q_obj))
    j = pairs.inner_join(mt, pairs.t == mt.t_id)
    out = a.keep(
        j.select(
            "x",
            "t",
            "o_id",
            "n_msg",
            "n_req",
            "v_first",
            "r_first",
            "m_first",
            "first",
            "last",
            "b_msg",
            "n_acted",
        )
    )
    _PAIRS[a] = out
    return out


def _nothing(a: _Anchors) -> ir.Table:
    """No rows, in :func:`per_operation`'s shape, without reading the events (a rule off)."""
    m = a.members.filter(ibis.literal(False))
    ts = a.ctx.events.ts.type()
    return m.select(
        account_id=m.m_id,
        operation_id=m.o_id,
        value=ibis.literal(0, "int64"),
        n=ibis.literal(0, "int64"),
        example=m.m_id,
        window_start=ibis.null().cast(ts),
        window_end=ibis.null().cast(ts),
        extra=ibis.literal(0.0, "float64"),
    )
