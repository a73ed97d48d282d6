"""Sweeps: an operation's single look at a person, made seconds from its look at a protected one.

An operation profiles a person in the protection programme and then the people around them —
it opens the principal's friend list and clicks through to the family, or its collection tool
walks a list of profiles a few seconds apart. Either way the looks at the principal's circle
sit inside the same sweep as the look at the principal: seconds apart, by the same account. A
persona's cover glance (a look at a friend, a local stranger) is a thing of its own, made when
the persona keeps up its life, not in the middle of a sweep over protected people.

``TargetPolicy.outsider_sweep_seconds``: an outsider (not in the programme, no bad link) that
a member looked at (profile, friend list, search) within that many seconds of the same
member's look at a person in the programme passes the minimum of targeting actions with that
single look; every other outsider rule (strangers, crowds, social cover, people, cover
friends, look first, focused) still applies.

The anchor of a sweep is a principal the operation *works*: a person in the programme on whom
the operation took at least ``TargetPolicy.outsider_sweep_anchor_actions`` (2) targeting actions
(views, friend-list views, searches, requests, messages) — profiling a principal is a profile
and a friend list, or repeated looks, before the sitting moves on to the circle. A falsely
flagged reader (a researcher reading about at-risk people) also reads in sessions, but it
glances at each protected person once and at whoever else between them (session 9: seed 803's
researcher, 6 false targets from single-glance anchors, against 1 false and no true one on seeds
1-40); a single glance at a protected person anchors no sweep.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def swept_looks(looks: ir.Table, seconds: int, anchors: ir.Table | None = None) -> ir.Table:
    """(s_target, s_operation, n_swept): per (person not in the programme, operation), how
    many of the members' looks at it came within ``seconds`` of the same member's look at a
    person in the programme (another account) that the operation works.

    ``looks``: the members' looks (ts, actor_id, target_id, operation_id, target_at_risk);
    ``anchors``: (a_target, a_operation) of the protected people each operation works (None:
    every protected person anchors a sweep).
    """
    risk = looks.target_at_risk.fill_null(False)
    out = looks.filter(~risk)
    out = out.select(
        w_ts=out.ts, w_actor=out.actor_id, w_target=out.target_id, w_op=out.operation_id
    )
    prot = looks.filter(risk)
    if anchors is not None:
        prot = prot.semi_join(
            anchors,
            (prot.target_id == anchors.a_target) & (prot.operation_id == anchors.a_operation),
        )
    prot = prot.select(p_ts=prot.ts, p_actor=prot.actor_id, p_target=prot.target_id).distinct()
    gap = ibis.interval(seconds=int(seconds))
    j = out.inner_join(
        prot,
        (out.w_actor == prot.p_actor)
        & (out.w_target != prot.p_target)
        & (prot.p_ts >= out.w_ts - gap)
        & (prot.p_ts <= out.w_ts + gap),
    )
    j = j.select("w_ts", "w_actor", "w_target", "w_op").distinct()
    return j.group_by(s_target=j.w_target, s_operation=j.w_op).aggregate(n_swept=j.count())
