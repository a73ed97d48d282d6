"""Evidence on accounts outside the protection programme that an operation acted on.

Operator personas keep up cover: they react to, look at and message their own (fake) friends
and popular pages. Listing those accounts as targets is wrong, and notifying them would be
worse. Two facts, each from the account's own events, separate cover from targets
(``TargetPolicy``):

* **known before** — the account had acted on the operator account before the operator first
  acted on it (a friend who wrote first, a page it follows back): an existing contact, not
  someone the operation went looking for. An outsider is listed only when at least one
  member that acted on it was a stranger to it.
* **crowd** — more than ``outsider_max_visitors`` accounts act on it (a public page, a
  celebrity): the operator was one of a crowd.

Both are computed for the operation's touched accounts only (two semi-joins of the events
against them — of the flagged accounts' target events for the accounts those are about, the
usual case: then the events are not scanned), never for the whole platform.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from counterspy.detect.base import DetectionContext


def outsider_facts(ctx: DetectionContext, touched: ir.Table) -> ir.Table:
    """(x_target, x_operation, n_visitors, n_stranger_members) per (target, operation).

    ``touched``: events by members on targets (ts, actor_id, target_id, operation_id).
    ``n_visitors``: distinct accounts acting on the target on the whole platform;
    ``n_stranger_members``: members that acted on it before it had acted on them.
    """
    first = touched.group_by("actor_id", "target_id", "operation_id").aggregate(f1=touched.ts.min())
    ids = first.select(q_t=first.target_id).distinct()
    mids = first.select(q_m=first.actor_id).distinct()
    # Back: the target acting on the member (the earliest time).
    back = _named(_by_or_on(ctx, ids, lambda ev, q: ev.actor_id == q.q_t))
    back = back.semi_join(mids, back.target_id == mids.q_m)
    back = back.group_by(k_t=back.actor_id, k_m=back.target_id).aggregate(b1=back.ts.min())
    j = first.left_join(back, (first.target_id == back.k_t) & (first.actor_id == back.k_m))
    stranger = j.b1.isnull() | (j.b1 >= j.f1)
    per = j.group_by(x_target=j.target_id, x_operation=j.operation_id).aggregate(
        n_stranger_members=stranger.cast("int64").sum()
    )
    on = _named(_by_or_on(ctx, ids, lambda ev, q: ev.target_id == q.q_t))
    vis = on.group_by(v_t=on.target_id).aggregate(n_visitors=on.actor_id.nunique())
    per = per.left_join(vis, per.x_target == vis.v_t)
    return per.select(
        "x_target",
        "x_operation",
        n_visitors=per.n_visitors.fill_null(0),
        n_stranger_members=per.n_stranger_members,
    )


def _named(ev: ir.Table) -> ir.Table:
    ev = ev.filter(ev.target_id.notnull())
    return ev.filter(ev.actor_id != ev.target_id)


def _by_or_on(
    ctx: DetectionContext, ids: ir.Table, on: Callable[[ir.Table, ir.Table], ir.BooleanValue]
) -> ir.Table:
    """(ts, actor_id, target_id) of the events matching ``on`` against ``ids`` (column
    ``q_t``): for the ids the context's target events are about, from those (every event by
    or on them is there); for the others (none, usually: then the engine skips the scan),
    from the events."""
    cols = ("ts", "actor_id", "target_id")
    ev = ctx.events.select(*cols)
    if ctx.target_events is None or ctx.target_ids is None:
        return ev.semi_join(ids, on(ev, ids))
    known = ctx.target_ids
    inside = ids.semi_join(known, ids.q_t == known.w_id)
    outside = ids.anti_join(known, ids.q_t == known.w_id)
    te = ctx.target_events.select(*cols)
    return ibis.union(te.semi_join(inside, on(te, inside)), ev.semi_join(outside, on(ev, outside)))
