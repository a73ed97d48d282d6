"""Acquaintances are not targets: people an account follows socially.

Ordinary accounts in one circle of friends look at the same few people within days of each
other: the friends of their friends, some of them journalists or activists in the protection
programme. Two such accounts co-act on those people as tightly as an operation's personas do
(session 6's fresh seed 603: two friends who message each other, each viewing, messaging and
reacting to the same three at-risk friends-of-friends within a week; co-action 0.8 plus
at-risk strangers 0.45 flagged both). What their looks have that an operation's do not is a
social history with the person: they react to and comment on that person's posts. Operators
work a target list; their cover activity (reactions, comments) goes to their own friends and
to popular accounts, not to the people they profile (46 platforms: seeds 1–40 and 601–603 at
stealth 2, 601–603 at stealth 1: 2 of 1,016 co-action pairs within one operation had such a
person among their shared targets, neither losing the pair; 21 of 52 pairs of ordinary
accounts did).

So a person the account reacted to or commented on (:data:`ACQUAINTED_TYPES`, at any time in
the data) is an *acquaintance* of that account: co-action (``CoAction.skip_acquainted``) and
weak rings (``WeakRings.skip_acquainted``) do not count the account's looks at that person,
and a long conversation with that person is not courting a stranger
(``CourtedStrangers.skip_acquainted``, detect/courting.py).
"""

from __future__ import annotations

import ibis.expr.types as ir

from counterspy.model import EventType

ACQUAINTED_TYPES = (EventType.REACTION.value, EventType.COMMENT.value)
"""Engaging with a person's posts: what friends and readers do, not what profiling does."""


def acquaintances(ev: ir.Table) -> ir.Table:
    """(q_actor, q_obj), distinct: ``q_actor`` reacted to or commented on ``q_obj`` in ``ev``
    (any events table with actor_id, event_type, target_id)."""
    s = ev.filter(
        ev.event_type.isin(ACQUAINTED_TYPES)
        & ev.target_id.notnull()
        & (ev.actor_id != ev.target_id)
    )
    return s.select(q_actor=s.actor_id, q_obj=s.target_id).distinct()


def without_acquaintances(t: ir.Table, ev: ir.Table, actor: str, obj: str) -> ir.Table:
    """Rows of ``t`` whose (``actor``, ``obj``) is not an acquaintance in ``ev``."""
    q = acquaintances(ev)
    return t.anti_join(q, (t[actor] == q.q_actor) & (t[obj] == q.q_obj))
