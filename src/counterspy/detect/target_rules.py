"""The target rules: which (account, operation) candidate rows the targets step lists.

Each rule is a condition on the rows of :func:`counterspy.detect.targets.target_candidates`
(True: the rule lets the row through); :func:`target_rules` returns them by name, in the order
docs/detection.md (Targets) lists them. A row is listed when it is ``protected`` or passes every
other rule, and passes ``focused``. ``admission_notes`` is the sentence the evidence adds when an
exception to a rule admitted the row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from counterspy.model import AccountType

if TYPE_CHECKING:
    from counterspy.detect.targets import TargetPolicy


def target_rules(g: ir.Table, policy: TargetPolicy) -> dict[str, ir.BooleanValue]:
    """Each outsider rule of ``policy`` as a condition on :func:`target_candidates` rows
    (True: the rule lets the row through), in the order the docs list them. A row is listed
    when it is ``protected`` or passes every other rule, and passes ``focused``."""
    person = AccountType.PERSON.value
    true = g.n_targeting >= 0
    approached = (
        (g.n_targeting > 0) | (g.n_links > 0) if policy.protected_need_an_approach else true
    )
    rules: dict[str, ir.BooleanValue] = {
        "protected": (g.at_risk & approached) | (g.n_bad_links > 0),
        "min_targeting_actions": (g.n_targeting >= policy.min_targeting_actions)
        | ((g.n_abroad_looks > 0) & g.in_principal_country)
        | (g.n_swept > 0),
        "needs_a_look": (g.n_looks > 0) if policy.outsiders_need_a_look else true,
        "look_first": (
            g.first_contact.isnull() | g.first_look.isnull() | (g.first_look <= g.first_contact)
        )
        if policy.outsiders_look_first
        else true,
        "strangers": (g.n_stranger_members.fill_null(0) > 0)
        if policy.outsiders_must_be_strangers
        else true,
        "crowd": true if policy.outsider_max_visitors is None else _not_a_crowd(g, policy),
        "social_cover": (g.n_social == 0) if policy.outsider_social_is_cover else true,
        "people": (g.k_type.fill_null(person) == person) if policy.outsiders_are_people else true,
        "cover_friends": policy.cover.worked_on(g),
        "glances": true if policy.outsider_glance_hours is None else _not_glances(g, policy),
        "focused": (g.n_bad_links > 0) | (g.n_operators >= 2) | (g.n_focused > 0),
    }
    return rules


def admission_notes(g: ir.Table, policy: TargetPolicy) -> ir.StringValue:
    """The sentence naming the exception that admitted an outsider: fewer targeting actions
    than the minimum (a look from abroad, a look inside a sweep), or a crowd several of the
    operation's accounts worked on ("" when none did)."""
    outsider = ~g.at_risk.fill_null(False) & (g.n_bad_links == 0)
    few = outsider & (g.n_targeting < policy.min_targeting_actions)
    abroad = few & (g.n_abroad_looks > 0) & g.in_principal_country
    fewer = "; fewer than " + str(policy.min_targeting_actions) + " targeting actions, listed on "
    swept = ibis.literal(
        fewer + "a look within " + str(policy.outsider_sweep_seconds) + " s of the same "
        "account's look at a person in the protection programme on whom the operation took "
        + str(policy.outsider_sweep_anchor_actions)
        + "+ targeting actions (one sweep)"
    )
    crowd = outsider & (g.n_visitors.fill_null(0) > ibis.literal(policy.outsider_max_visitors))
    crowd_note = (
        ibis.literal("; ")
        + g.n_visitors.cast("string")
        + " accounts act on it, more than "
        + str(policy.outsider_max_visitors)
        + ", but "
        + g.n_targeting_members.cast("string")
        + " of this operation's accounts took targeting actions on it"
    )
    return ibis.cases(
        (
            ibis.literal(policy.outsider_single_look_abroad) & abroad,
            ibis.literal(
                fewer + "a single look from abroad (a member of another country; the "
                "person lives where the operation's at-risk targets live)"
            ),
        ),
        (few & (g.n_swept > 0), swept),
        else_="",
    ) + ibis.cases(
        (ibis.literal(policy.outsider_max_visitors is not None) & crowd, crowd_note), else_=""
    )


def _not_a_crowd(g: ir.Table, policy: TargetPolicy) -> ir.BooleanValue:
    """At most ``outsider_max_visitors`` accounts act on it, or ``outsider_crowd_members`` of
    the operation's members took targeting actions on it."""
    few = g.n_visitors.fill_null(0) <= ibis.literal(policy.outsider_max_visitors)
    if policy.outsider_crowd_members is None:
        return few
    return few | (g.n_targeting_members >= policy.outsider_crowd_members)


def _not_glances(g: ir.Table, policy: TargetPolicy) -> ir.BooleanValue:
    """False where the row's only targeting actions are ``min_targeting_actions`` looks by one
    member spread over more than ``outsider_glance_hours`` hours (two glances days apart)."""
    hours = ibis.interval(hours=int(policy.outsider_glance_hours or 0))
    glances = (
        (g.n_targeting == g.n_looks)
        & (g.n_targeting <= policy.min_targeting_actions)
        & (g.n_targeting_members == 1)
        & (g.last_look > g.first_look + hours)
    )
    return ~glances.fill_null(False)
