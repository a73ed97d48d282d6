"""Reconnaissance: silent profiling of at-risk people (Meta's first phase)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir
import yaml

from counterspy.detect.base import (
    RECON_TYPES,
    DetectionContext,
    Detector,
    fmt,
    register,
)
from counterspy.model import EventType, Phase


@register
@dataclass(frozen=True)
class AtRiskViewing(Detector):
    """Profile / friend-list viewing concentrated on at-risk accounts that never answer back.

    Ordinary people look at friends and at popular accounts; an operator's viewing is dominated
    by at-risk people (journalists, activists, ...) who have never interacted with it.
    """

    name = "recon.at_risk_viewing"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_at_risk_targets: int = 4
    min_at_risk_share: float = 0.3
    max_reciprocity: float = 0.25
    weight: float = 0.6

    def run(self, ctx: DetectionContext) -> ir.Table:
        pairs = ctx.at_risk_pairs(RECON_TYPES)
        agg = pairs.group_by(account_id=pairs.actor_id).aggregate(
            n_at_risk=pairs.count(),
            n_answered_at_risk=pairs.answered_ever.cast("int64").sum(),
            first=pairs.first.min(),
            last=pairs.last.max(),
        )
        # Only accounts with enough at-risk targets pay for the denominator.
        agg = agg.filter(agg.n_at_risk >= self.min_at_risk_targets)
        tot = ctx.distinct_targets(agg.select("account_id"), RECON_TYPES, suspects=True)
        agg = agg.inner_join(tot, "account_id")
        agg = agg.mutate(
            share=agg.n_at_risk / agg.n_targets,
            reciprocity=agg.n_answered_at_risk / ibis.greatest(agg.n_at_risk, 1),
        )
        hit = agg.filter(
            (agg.n_at_risk >= self.min_at_risk_targets)
            & (agg.share >= self.min_at_risk_share)
            & (agg.reciprocity <= self.max_reciprocity)
        )
        ev = (
            ibis.literal("viewed ")
            + fmt(hit.n_at_risk, 0)
            + " at-risk accounts ("
            + fmt(hit.share * 100, 0)
            + "% of the "
            + fmt(hit.n_targets, 0)
            + " accounts it viewed; threshold "
            + str(self.min_at_risk_targets)
            + " and "
            + str(round(self.min_at_risk_share * 100))
            + "%); "
            + fmt(hit.reciprocity * 100, 0)
            + "% of them ever interacted back (max "
            + str(round(self.max_reciprocity * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="at_risk_concentration",
            value=hit.n_at_risk,
            threshold=self.min_at_risk_targets,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev,
        )


@register
@dataclass(frozen=True)
class FriendListEnumeration(Detector):
    """Friend lists of several at-risk people enumerated: mapping a target's circle."""

    name = "recon.friend_list_enumeration"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_at_risk_lists: int = 3
    weight: float = 0.4

    def run(self, ctx: DetectionContext) -> ir.Table:
        t = ctx.on_at_risk.filter(ctx.on_at_risk.event_type == EventType.FRIEND_LIST_VIEW.value)
        ans = ctx.answers
        t = t.anti_join(ans, (t.actor_id == ans.a_id) & (t.target_id == ans.b_id))
        agg = t.group_by(account_id=t.actor_id).aggregate(
            n=t.target_id.nunique(), n_views=t.count(), first=t.ts.min(), last=t.ts.max()
        )
        hit = agg.filter(agg.n >= self.min_at_risk_lists)
        ev = (
            ibis.literal("viewed the friend lists of ")
            + fmt(hit.n, 0)
            + " at-risk strangers ("
            + fmt(hit.n_views, 0)
            + " views; threshold "
            + str(self.min_at_risk_lists)
            + ")"
        )
        return self.rows(
            hit,
            signal="friend_list_enumeration",
            value=hit.n,
            threshold=self.min_at_risk_lists,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev,
        )


@register
@dataclass(frozen=True)
class AutomationRegularity(Detector):
    """Machine-regular pacing: the gaps between an account's actions barely vary.

    WEBINT platforms automate collection; a coefficient of variation of inter-event gaps far
    below human burstiness (CV around 1 or more) is the tell.
    """

    name = "recon.automation_regularity"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_events: int = 30
    max_cv: float = 0.35
    weight: float = 0.3

    def run(self, ctx: DetectionContext) -> ir.Table:
        ev = ctx.suspect_events.filter(lambda e: e.event_type.isin(RECON_TYPES))
        busy = ev.group_by(account_id=ev.actor_id).aggregate(n=ev.count())
        busy = busy.filter(busy.n > self.min_events)
        ev = ev.semi_join(busy, ev.actor_id == busy.account_id)
        w = ibis.window(group_by=ev.actor_id, order_by=ev.ts)
        ev = ev.mutate(prev=ev.ts.lag().over(w))
        gaps = ev.filter(ev.prev.notnull()).mutate(
            gap=lambda x: x.ts.epoch_seconds() - x.prev.epoch_seconds()
        )
        agg = gaps.group_by(account_id=gaps.actor_id).aggregate(
            n=gaps.count(),
            mean=gaps.gap.mean(),
            sd=gaps.gap.std(),
            first=gaps.ts.min(),
            last=gaps.ts.max(),
        )
        agg = agg.filter(agg.mean > 0).mutate(cv=lambda x: x.sd / x.mean)
        hit = agg.filter((agg.n >= self.min_events) & (agg.cv <= self.max_cv))
        ev_text = (
            ibis.literal("")
            + fmt(hit.n + 1, 0)
            + " viewing actions with near-constant gaps (mean "
            + fmt(hit.mean, 0)
            + " s, coefficient of variation "
            + fmt(hit.cv)
            + " ≤ "
            + str(self.max_cv)
            + ")"
        )
        return self.rows(
            hit,
            signal="automation_regularity",
            value=hit.cv,
            threshold=self.max_cv,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=ev_text,
        )


@cache
def _networks() -> dict[str, object]:
    text = resources.files("counterspy.detect").joinpath("data/networks.yaml").read_text("utf-8")
    raw: dict[str, object] = yaml.safe_load(text)
    return raw


def automation_markers() -> tuple[str, ...]:
    markers = _networks()["user_agent_markers"]
    assert isinstance(markers, list)
    return tuple(str(m).lower() for m in markers)


def hosting_asns() -> dict[int, str]:
    asns = _networks()["hosting_asns"]
    assert isinstance(asns, dict)
    return {int(k): str(v) for k, v in asns.items()}


@register
@dataclass(frozen=True)
class AutomationUserAgent(Detector):
    """Profile viewing through automation tools (headless browsers, HTTP libraries)."""

    name = "recon.automation_user_agent"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_events: int = 3
    min_share: float = 0.2
    weight: float = 0.4

    def run(self, ctx: DetectionContext) -> ir.Table:
        ev = ctx.events.filter(ctx.events.event_type.isin(RECON_TYPES))
        # Judge each distinct user agent once, not each event; then only accounts with enough
        # automated views pay for counting all their views.
        uas = ctx.recon_user_agents  # kept: the engine would test every event otherwise
        pattern = "|".join(re.escape(m) for m in automation_markers())
        uas = uas.filter(uas.user_agent.fill_null("").lower().re_search(pattern))
        # The user agent may be left out of the cached events: read it where it is stored.
        wide = ctx.all_event_columns
        wide = wide.filter(wide.event_type.isin(RECON_TYPES))
        auto = wide.semi_join(uas, "user_agent")
        agg = auto.group_by(account_id=auto.actor_id).aggregate(
            n_auto=auto.count(),
            example=auto.user_agent.max(),
            first=auto.ts.min(),
            last=auto.ts.max(),
        )
        agg = agg.filter(agg.n_auto >= self.min_events)
        mine = ev.semi_join(agg, ev.actor_id == agg.account_id)
        tot = mine.group_by(t_id=mine.actor_id).aggregate(n=mine.count())
        agg = agg.inner_join(tot, agg.account_id == tot.t_id)
        agg = agg.mutate(share=agg.n_auto / agg.n)
        hit = agg.filter((agg.n_auto >= self.min_events) & (agg.share >= self.min_share))
        text = (
            ibis.literal("")
            + fmt(hit.n_auto, 0)
            + " of "
            + fmt(hit.n, 0)
            + " viewing actions sent an automation user agent (e.g. "
            + hit.example.substr(0, 60)
            + "; thresholds "
            + str(self.min_events)
            + " and "
            + str(round(self.min_share * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="automation_user_agent",
            value=hit.share,
            threshold=self.min_share,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=text,
        )


@register
@dataclass(frozen=True)
class HostingNetwork(Detector):
    """Acting on at-risk people mostly from cloud / hosting networks rather than homes."""

    name = "recon.hosting_network"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_events: int = 5
    min_share: float = 0.6
    weight: float = 0.1  # weak: VPN users look the same

    def run(self, ctx: DetectionContext) -> ir.Table:
        asns = list(hosting_asns())
        t = ctx.suspect_events
        t = t.filter(t.target_id.notnull())
        t = t.mutate(hosted=t.asn.isin(asns).fill_null(False))
        agg = t.group_by(account_id=t.actor_id).aggregate(
            n=t.count(),
            n_hosted=t.hosted.cast("int64").sum(),
            example=t.asn.max(where=t.hosted),
            first=t.ts.min(),
            last=t.ts.max(),
        )
        agg = agg.mutate(share=agg.n_hosted / agg.n)
        hit = agg.filter((agg.n >= self.min_events) & (agg.share >= self.min_share))
        text = (
            ibis.literal("")
            + fmt(hit.share * 100, 0)
            + "% of "
            + fmt(hit.n, 0)
            + " actions on other accounts came from hosting networks (e.g. AS"
            + hit.example.cast("string")
            + "; threshold "
            + str(round(self.min_share * 100))
            + "%)"
        )
        return self.rows(
            hit,
            signal="hosting_network",
            value=hit.share,
            threshold=self.min_share,
            weight=self.weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=text,
        )


@register
@dataclass(frozen=True)
class AtRiskStrangers(Detector):
    """Acting on several at-risk people who had never acted on this account first.

    Weak alone (a curious reader may look up two journalists), it grows with the number of
    at-risk strangers and is what coordination evidence builds on.
    """

    name = "recon.at_risk_strangers"
    version = 1
    phase = Phase.RECONNAISSANCE.value

    min_strangers: int = 2
    weight_per_stranger: float = 0.15
    max_weight: float = 0.6
    max_strangers_per_target: int = 30

    def run(self, ctx: DetectionContext) -> ir.Table:
        pairs = ctx.at_risk_pairs()
        pairs = pairs.filter(pairs.stranger)
        # A famous journalist looked up by a crowd says nothing about any one visitor.
        crowd = pairs.group_by(c_id=pairs.target_id).aggregate(k=pairs.count())
        crowd = crowd.filter(crowd.k > self.max_strangers_per_target)
        pairs = pairs.anti_join(crowd, pairs.target_id == crowd.c_id)
        agg = pairs.group_by(account_id=pairs.actor_id).aggregate(
            n=pairs.count(), first=pairs.first.min(), last=pairs.last.max()
        )
        hit = agg.filter(agg.n >= self.min_strangers)
        weight = ibis.least(hit.n * self.weight_per_stranger, self.max_weight)
        text = (
            ibis.literal("acted on ")
            + fmt(hit.n, 0)
            + " at-risk accounts that had not interacted with it first (threshold "
            + str(self.min_strangers)
            + "; weight "
            + str(self.weight_per_stranger)
            + " each, at most "
            + str(self.max_weight)
            + ")"
        )
        return self.rows(
            hit,
            signal="at_risk_strangers",
            value=hit.n,
            threshold=self.min_strangers,
            weight=weight,
            window_start=hit.first,
            window_end=hit.last,
            evidence=text,
        )
