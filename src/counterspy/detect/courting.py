"""Courting: a persona holding a long conversation with an at-risk stranger (Black Cube style).

Black Cube's personas (bogus firms, recruiters, researchers) send no links: they befriend an
at-risk person and keep writing until the person answers, so the "rarely answered" outreach
signal (engagement.at_risk_outreach, max 50 % answered) never fires for them. What ordinary
accounts do not do is spend most of their contacts on such conversations: a persona contacts
a handful of people and courts one or two at-risk strangers with many messages; a recruiter,
researcher or NGO worker writing to at-risk people contacts many others as well, and a friend
who chats at length with an activist was not a stranger to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from counterspy.detect.base import CONTACT_TYPES, DetectionContext, Detector, fmt, register
from counterspy.model import EventType, Phase


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

    def run(self, ctx: DetectionContext) -> ir.Table:
        t = ctx.on_at_risk
        t = t.filter(t.event_type == EventType.MESSAGE.value)
        per = t.group_by(p_actor=t.actor_id, p_target=t.target_id).aggregate(n_msg=t.count())
        per = per.filter(per.n_msg >= self.min_messages)
        pairs = ctx.at_risk_pairs(CONTACT_TYPES)
        pairs = pairs.filter(pairs.stranger & pairs.answered)
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
