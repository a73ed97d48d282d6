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
against them), never for the whole platform.
"""

from __future__ import annotations

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
    ev = ctx.events.filter(ctx.events.target_id.notnull())
    ev = ev.filter(ev.actor_id != ev.target_id)
    # Back: the target acting on the member (the earliest time).
    back = ev.semi_join(ids, ev.actor_id == ids.q_t).semi_join(mids, ev.target_id == mids.q_m)
    back = back.group_by(k_t=back.actor_id, k_m=back.target_id).aggregate(b1=back.ts.min())
    j = first.left_join(back, (first.target_id == back.k_t) & (first.actor_id == back.k_m))
    stranger = j.b1.isnull() | (j.b1 >= j.f1)
    per = j.group_by(x_target=j.target_id, x_operation=j.operation_id).aggregate(
        n_stranger_members=stranger.cast("int64").sum()
    )
    on = ev.semi_join(ids, ev.target_id == ids.q_t)
    vis = on.group_by(v_t=on.target_id).aggregate(n_visitors=on.actor_id.nunique())
    per = per.left_join(vis, per.x_target == vis.v_t)
    return per.select(
        "x_target",
        "x_operation",
        n_visitors=per.n_visitors.fill_null(0),
        n_stranger_members=per.n_stranger_members,
    )
