"""Engagement: fictitious personas contacting at-risk people (Meta's second phase)."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from counterspy.detect.base import CONTACT_TYPES, DetectionContext, Detector, fmt, register
from counterspy.model import Phase


@register
@dataclass(frozen=True)
class AtRiskOutreach(Detector):
    """Friend requests and messages to at-risk strangers, rarely accepted or answered."""

    name = "engagement.at_risk_outreach"
    version = 1
    phase = Phase.ENGAGEMENT.value

    min_at_risk_strangers: int = 3
    min_at_risk_share: float = 0.3
    max_acceptance: float = 0.5
    weight: float = 0.6

    def run(self, ctx: DetectionContext) -> ir.Table:
        # A stranger: the target had never acted on the actor before this contact.
        pairs = ctx.at_risk_pairs(CONTACT_TYPES)
        agg = pairs.group_by(account_id=pairs.actor_id).aggregate(
            n_at_risk=pairs.stranger.cast("int64").sum(),
            n_answered=(pairs.stranger & pairs.answered).cast("int64").sum(),
            first=pairs.first.min(),
            last=pairs.last.max(),
        )
        agg = agg.filter(agg.n_at_risk >= self.min_at_risk_strangers)
        tot = ctx.distinct_targets(agg.select("account_id"), CONTACT_TYPES, suspects=True)
        agg = agg.inner_join(tot, "account_id").rename(n_contacts="n_targets")
        agg = agg.mutate(
            share=agg.n_at_risk / agg.n_contacts,
            acceptance=agg.n_answered / ibis.greatest(agg.n_at_risk, 1),
        )
        hit = agg.filter(
            (agg.n_at_risk >= self.min_at_risk_strangers)
            & (agg.share >= self.min_at_risk_share)
            & (agg.acceptance <= self.max_acceptance)
        )
        ev = (
            ibis.literal("contacted ")
            + fmt(hit.n_at_risk, 0)
            + " at-risk strangers ("
            + fmt(hit.share * 100, 0)
            + "% of "
            + fmt(hit.n_contacts, 0)
            + " contacted; threshold "
            + str(self.min_at_risk_strangers)
            + "); "
            + fmt(hit.acceptance * 100, 0)
            + "% answered or accepted (max "
            + str(round(self.max_acceptance * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="at_risk_outreach",
            value=hit.n_at_risk,
            threshold=self.min_at_risk_strangers,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev,
        )


@register
@dataclass(frozen=True)
class YoungHeavyPersona(Detector):
    """A young account already busy contacting people: personas are made for the job."""

    name = "engagement.young_active_persona"
    version = 1
    phase = Phase.ENGAGEMENT.value

    max_age_days: float = 120.0
    min_contacts: int = 5
    weight: float = 0.2

    def run(self, ctx: DetectionContext) -> ir.Table:
        # Only accounts registered shortly before or during the observed period can qualify.
        start = ctx.events.ts.min()
        young = ctx.accounts.filter(
            ctx.accounts.created_at >= start - ibis.interval(days=int(self.max_age_days))
        ).select("account_id", "created_at")
        t = ctx.events_of(young)
        t = t.filter(t.event_type.isin(CONTACT_TYPES) & t.target_id.notnull())
        agg = t.group_by(account_id=t.actor_id).aggregate(
            n=t.target_id.nunique(), first=t.ts.min(), last=t.ts.max()
        )
        acc = young.select(a_id=young.account_id, created_at=young.created_at)
        j = agg.inner_join(acc, agg.account_id == acc.a_id)
        j = j.mutate(age=(j.first.epoch_seconds() - j.created_at.epoch_seconds()) / 86400.0)
        hit = j.filter((j.age <= self.max_age_days) & (j.n >= self.min_contacts))
        ev = (
            ibis.literal("account was ")
            + fmt(hit.age, 0)
            + " days old (max "
            + str(int(self.max_age_days))
            + ") when it began contacting; "
            + fmt(hit.n, 0)
            + " accounts contacted"
        )
        return self.rows(
            hit,
            signal="young_active_persona",
            value=hit.age,
            threshold=self.max_age_days,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev,
        )


@register
@dataclass(frozen=True)
class ClaimedCountryMismatch(Detector):
    """The persona claims one country but acts from IPs of another (most of the time)."""

    name = "engagement.country_mismatch"
    version = 1
    phase = Phase.ENGAGEMENT.value

    min_events: int = 5
    min_mismatch_share: float = 0.9
    weight: float = 0.1  # weak: travellers and VPN users look the same

    def run(self, ctx: DetectionContext) -> ir.Table:
        ev = ctx.suspect_events
        ev = ev.filter(ev.country.notnull())
        acc = ctx.accounts.select(a_id=ctx.accounts.account_id, claimed=ctx.accounts.country)
        j = ev.inner_join(acc, ev.actor_id == acc.a_id)
        agg = j.group_by(account_id=j.actor_id).aggregate(
            n=j.count(),
            n_mismatch=(j.country != j.claimed).cast("int64").sum(),
            claimed=j.claimed.arbitrary(),
            seen=j.country.max(where=j.country != j.claimed),
            first=j.ts.min(),
            last=j.ts.max(),
        )
        agg = agg.mutate(share=agg.n_mismatch / agg.n)
        hit = agg.filter((agg.n >= self.min_events) & (agg.share >= self.min_mismatch_share))
        ev_text = (
            ibis.literal("claims country ")
            + hit.claimed
            + " but "
            + fmt(hit.share * 100, 0)
            + "% of "
            + fmt(hit.n, 0)
            + " actions came from other countries' IPs (e.g. "
            + hit.seen
            + "; threshold "
            + str(round(self.min_mismatch_share * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="country_mismatch",
            value=hit.share,
            threshold=self.min_mismatch_share,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev_text,
        )


@register
@dataclass(frozen=True)
class SharedPersonaPhoto(Detector):
    """Several accounts using the same profile photo (but not a stock avatar used by many)."""

    name = "engagement.shared_photo"
    version = 1
    phase = Phase.ENGAGEMENT.value

    max_accounts_per_photo: int = 20
    weight: float = 0.2

    def run(self, ctx: DetectionContext) -> ir.Table:
        acc = ctx.accounts.filter(ctx.accounts.photo_hash.notnull())
        per = acc.group_by("photo_hash").aggregate(n=acc.count())
        per = per.filter((per.n >= 2) & (per.n <= self.max_accounts_per_photo))
        j = acc.inner_join(per, "photo_hash")
        span = ctx.events.aggregate(first=ctx.events.ts.min(), last=ctx.events.ts.max())
        j = j.cross_join(span)
        ev = (
            ibis.literal("profile photo ")
            + j.photo_hash
            + " is shared with "
            + fmt(j.n - 1, 0)
            + " other accounts (photos used by more than "
            + str(self.max_accounts_per_photo)
            + " accounts are ignored as stock images)"
        )
        return self.rows(
            j,
            signal="shared_photo",
            value=j.n,
            threshold=2,
            weight=self.weight,
            window_start=j.first,
            window_end=j.last,
            evidence=ev,
        )
