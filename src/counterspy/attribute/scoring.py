"""Scoring operations against firm profiles, with a rationale a reviewer can check.

Each piece of evidence compares one observed feature of the operation with one public fact in
the firm's profile and adds at most its weight to the firm's score (``AttributionPolicy``):

* ``indicators`` (strongest): share of the operation's bad domains that imported indicators
  attribute to the firm;
* ``phase mix``: 1 − total-variation distance between the observed mix of phases (actions
  profiling at-risk people, contacting them without a link, bad links sent) and the firm's
  reported emphasis (``phase_mix``; uniform over its reported phases when absent), in full
  from ``phase_full_accounts`` accounts and in proportion for smaller pieces;
* ``persona countries``: share of personas claiming a country where the firm's reported
  targets or customers are;
* ``target countries``: share of at-risk targets living there;
* ``locale``: share of personas whose UI language is the language of the firm's base country
  (staff running personas in their own language);
* ``persona themes``: share of persona names with the firm's reported persona words;
* ``media entities``: pages among the accounts (in full from ``media_pages``), for firms
  reported to run fake media;
* ``automation``: share of accounts with an automation signal, for firms reported to sell a
  collection or account-management platform;
* ``infrastructure``: share of bad domains imitating the kinds of brands the firm used;
* ``unexplained links`` (a penalty): bad links sent (in full from ``contradiction_links``), for
  a firm never reported to send any;
* ``unexplained contact`` (a penalty): at-risk people contacted without a link (friend requests,
  link-free messages), for a firm never reported in the engagement phase, in proportion to
  the contacts' share of the phase actions, in full from ``contact_contradiction_share``.

The best firm wins when its score reaches ``min_score`` and beats the runner-up by
``min_margin``; otherwise the operation stays "unattributed" with a low confidence. The
rationale names the evidence that separated the winner from the runner-up first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from babel.languages import get_official_languages

from counterspy.attribute.features import OperationFeatures
from counterspy.attribute.profiles import FirmProfile
from counterspy.model import UNATTRIBUTED

PHASE_ORDER = ("reconnaissance", "engagement", "exploitation")
PHASE_EVIDENCE = frozenset({"phase mix", "unexplained links", "unexplained contact"})


@dataclass(frozen=True)
class AttributionPolicy:
    indicator_weight: float = 10.0
    phase_weight: float = 3.0
    persona_country_weight: float = 2.0
    geography_weight: float = 1.0
    locale_weight: float = 1.0
    persona_weight: float = 1.5
    media_weight: float = 1.0
    automation_weight: float = 0.5
    infrastructure_weight: float = 1.5
    # Bad links sent by an operation contradict a firm never reported to send any: this much
    # is taken off in full from ``contradiction_links`` bad links (a firm that never sends
    # links sends none: one judged-bad link is as much a contradiction as many, and a link
    # sender's piece is often a few link actions among many views). 0: in proportion to the
    # links' share of the operation's phase actions, full at ``contradiction_share`` (the
    # session-5 reading). Measured in docs/detection.md (Attribution).
    contradiction_weight: float = 1.5
    contradiction_links: int = 1
    contradiction_share: float = 0.15
    # Contact without a link (engagement) contradicts a firm never reported to engage its
    # targets (Cytrox's one-click links, the China entity's link-only delivery): this much is
    # taken off in proportion to the contacts' share of the operation's phase actions, in full
    # from ``contact_contradiction_share`` (a greeting before a link is a small share; a
    # persona courting people is not). 0: off. Measured in docs/detection.md (Session 9).
    contact_contradiction_weight: float = 1.0
    contact_contradiction_share: float = 0.2
    # A firm reported to run fake media entities gets the media evidence in full from this
    # many pages among the operation's accounts (one fake outlet is the reported tradecraft,
    # however many personas work beside it); 0: in proportion to the share of pages.
    media_pages: int = 1
    min_phase_share: float = 0.15  # a phase is listed as observed at this share of actions
    min_phase_actions: int = 3
    min_score: float = 2.0
    min_margin: float = 0.1
    # Phases alone never name a firm (several firms share a profile of phases): the winner
    # needs this much from the other evidence (countries, locale, personas, infrastructure…).
    min_specific: float = 0.5
    # The phase mix of a piece of few accounts is a noisy reading of its operation's (a pair
    # of link senders split from a BellTroX operation reads "exploitation only", like the
    # China profile): the phase evidence counts in full from this many accounts, in
    # proportion below (0: always in full). Measured in docs/detection.md (Attribution).
    phase_full_accounts: int = 5


@dataclass(frozen=True)
class Attribution:
    operation_id: str
    firm: str
    confidence: float
    rationale: str
    phases: tuple[str, ...]
    scores: tuple[tuple[str, float], ...]  # every firm's score, best first


@dataclass(frozen=True)
class Evidence:
    name: str
    score: float
    text: str  # empty when the evidence says nothing for this firm


def observed_phases(f: OperationFeatures, policy: AttributionPolicy) -> tuple[str, ...]:
    total = sum(f.phase_counts.values())
    return tuple(
        p
        for p in PHASE_ORDER
        if (
            f.phase_counts.get(p, 0) >= policy.min_phase_actions
            and f.phase_counts.get(p, 0) >= policy.min_phase_share * total
        )
        or (p == "exploitation" and f.phase_counts.get(p, 0) > 0)
    )


def _words(name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", name.lower()))


@cache
def base_language(country: str) -> str | None:
    """The first official language of ``country`` (CLDR), e.g. IL → he, IN → hi."""
    langs = get_official_languages(country) or get_official_languages(country, de_facto=True)
    return langs[0] if langs else None


def _share(hits: float, total: float) -> float:
    return hits / total if total else 0.0


def _indicators(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    hits = sorted(d for d, a in f.domains.items() if a and a.lower() in p.indicator_actors)
    if not hits:
        return Evidence("indicators", 0.0, "")
    return Evidence(
        "indicators",
        w * _share(len(hits), len(f.domains)),
        f"{len(hits)} of {len(f.domains)} link domains match indicators for {p.name} "
        f"(e.g. {hits[0]})",
    )


def _phase_mix(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    total = sum(f.phase_counts.get(x, 0) for x in PHASE_ORDER)
    reported = dict(p.phase_mix) or {x: 1 / len(p.phases) for x in p.phases}
    if not total or not reported:
        return Evidence("phase mix", 0.0, "")
    seen = {x: f.phase_counts.get(x, 0) / total for x in PHASE_ORDER}
    sim = 1 - 0.5 * sum(abs(seen[x] - reported.get(x, 0.0)) for x in PHASE_ORDER)
    full = pol.phase_full_accounts
    if full and f.n_accounts < full:
        w *= f.n_accounts / full

    def fmt(m: dict[str, float]) -> str:
        return "/".join(f"{x[:5]} {m.get(x, 0.0):.0%}" for x in PHASE_ORDER if m.get(x, 0.0))

    return Evidence(
        "phase mix",
        w * sim,
        f"phase mix {fmt(seen)} vs reported {fmt(reported)} (similarity {sim:.2f})",
    )


def _contradiction(f: OperationFeatures, p: FirmProfile, pol: AttributionPolicy) -> Evidence:
    total = sum(f.phase_counts.get(x, 0) for x in PHASE_ORDER)
    links = f.phase_counts.get("exploitation", 0)
    if not links or "exploitation" in p.phases:
        return Evidence("unexplained links", 0.0, "")
    share = _share(links, total)
    if pol.contradiction_links:
        part = min(1.0, links / pol.contradiction_links)
    else:
        part = min(1.0, share / pol.contradiction_share)
    return Evidence(
        "unexplained links",
        -pol.contradiction_weight * part,
        f"{links} bad links sent ({share:.0%} of phase actions), but it was never reported "
        "to send links",
    )


def _unexplained_contact(f: OperationFeatures, p: FirmProfile, pol: AttributionPolicy) -> Evidence:
    total = sum(f.phase_counts.get(x, 0) for x in PHASE_ORDER)
    contacts = f.phase_counts.get("engagement", 0)
    if not contacts or "engagement" in p.phases or not pol.contact_contradiction_weight:
        return Evidence("unexplained contact", 0.0, "")
    share = _share(contacts, total)
    part = min(1.0, share / pol.contact_contradiction_share)
    return Evidence(
        "unexplained contact",
        -pol.contact_contradiction_weight * part,
        f"{contacts} contacts with at-risk people without a link ({share:.0%} of phase "
        "actions), but it was never reported to engage its targets",
    )


def _persona_countries(
    f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy
) -> Evidence:
    places = p.target_countries | p.customer_countries
    n = sum(f.claimed_countries.values())
    inside = sum(k for c, k in f.claimed_countries.items() if c in places)
    share = _share(inside, n)
    top = sorted(
        (c for c in f.claimed_countries if c in places), key=lambda c: -f.claimed_countries[c]
    )
    text = (
        f"{share:.0%} of personas claim its reported target/customer countries "
        f"({', '.join(top[:3])})"
        if share
        else ""
    )
    return Evidence("persona countries", w * share, text)


def _target_countries(
    f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy
) -> Evidence:
    places = p.target_countries | p.customer_countries
    n = sum(f.target_countries.values())
    share = _share(sum(k for c, k in f.target_countries.items() if c in places), n)
    text = f"{share:.0%} of at-risk targets in its reported countries" if share else ""
    return Evidence("target countries", w * share, text)


def _locale(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    lang = base_language(p.base)
    if not f.locales or lang is None:
        return Evidence("locale", 0.0, "")
    hits = [
        loc
        for loc in f.locales
        if loc.replace("_", "-").split("-")[0].lower() == lang
        or loc.replace("_", "-").split("-")[-1].upper() == p.base
    ]
    share = _share(len(hits), len(f.locales))
    text = (
        f"{share:.0%} of personas use the language of its base {p.base} (e.g. {hits[0]})"
        if hits
        else ""
    )
    return Evidence("locale", w * share, text)


def _themes(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    if not p.persona_keywords or not f.persona_names:
        return Evidence("persona themes", 0.0, "")
    share = _share(
        sum(1 for n in f.persona_names if _words(n) & p.persona_keywords), len(f.persona_names)
    )
    return Evidence(
        "persona themes",
        w * share,
        f"{share:.0%} of personas match its reported themes" if share else "",
    )


def _media(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    if not p.fake_media or not f.page_share:
        return Evidence("media entities", 0.0, "")
    pages = round(f.page_share * f.n_accounts)
    part = min(1.0, pages / pol.media_pages) if pol.media_pages else f.page_share
    return Evidence(
        "media entities",
        w * part,
        f"{pages} of {f.n_accounts} accounts {'is a page' if pages == 1 else 'are pages'} "
        "(it was reported to run fake media entities)",
    )


def _automation(f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy) -> Evidence:
    if not p.automation or not f.automation_share:
        return Evidence("automation", 0.0, "")
    return Evidence(
        "automation",
        w * f.automation_share,
        f"{f.automation_share:.0%} of accounts automated (it sells a collection platform)",
    )


def _infrastructure(
    f: OperationFeatures, p: FirmProfile, w: float, pol: AttributionPolicy
) -> Evidence:
    n = sum(f.domain_styles.values())
    if not p.infrastructure or not n:
        return Evidence("infrastructure", 0.0, "")
    share = _share(sum(k for s, k in f.domain_styles.items() if s in p.infrastructure), n)
    text = (
        f"{share:.0%} of link domains imitate {'/'.join(sorted(p.infrastructure))}" if share else ""
    )
    return Evidence("infrastructure", w * share, text)


EVIDENCE: tuple[
    tuple[Callable[[OperationFeatures, FirmProfile, float, AttributionPolicy], Evidence], str],
    ...,
] = (
    (_indicators, "indicator_weight"),
    (_phase_mix, "phase_weight"),
    (_persona_countries, "persona_country_weight"),
    (_target_countries, "geography_weight"),
    (_locale, "locale_weight"),
    (_themes, "persona_weight"),
    (_media, "media_weight"),
    (_automation, "automation_weight"),
    (_infrastructure, "infrastructure_weight"),
)
"""Every piece of evidence with the policy field holding its weight."""


def evidence_for(
    f: OperationFeatures, prof: FirmProfile, pol: AttributionPolicy
) -> tuple[Evidence, ...]:
    found = tuple(fn(f, prof, float(getattr(pol, weight)), pol) for fn, weight in EVIDENCE)
    return (
        *found,
        _contradiction(f, prof, pol),
        _unexplained_contact(f, prof, pol),
    )


def _decisive(best: tuple[Evidence, ...], runner: tuple[Evidence, ...]) -> str:
    gaps = sorted(
        ((b.score - r.score, b.name) for b, r in zip(best, runner, strict=True)),
        key=lambda x: -x[0],
    )
    top = [f"{name} (+{gap:.2f})" for gap, name in gaps if gap >= 0.05][:3]
    return "decided by " + ", ".join(top) if top else "no single feature separates them"


def attribute_operations(
    features: list[OperationFeatures],
    profiles: tuple[FirmProfile, ...],
    policy: AttributionPolicy | None = None,
) -> list[Attribution]:
    pol = policy or AttributionPolicy()
    out = []
    for f in features:
        phases = observed_phases(f, pol)
        scored = sorted(
            ((p, evidence_for(f, p, pol)) for p in profiles),
            key=lambda x: (-sum(e.score for e in x[1]), x[0].firm),
        )
        if not scored:
            out.append(
                Attribution(f.operation_id, UNATTRIBUTED, 0.0, "no firm profiles", phases, ())
            )
            continue
        best, best_ev = scored[0]
        best_score = sum(e.score for e in best_ev)
        runner_p, runner_ev = scored[1] if len(scored) > 1 else (None, best_ev)
        runner = sum(e.score for e in runner_ev) if runner_p else 0.0
        runner_name = runner_p.name if runner_p else "-"
        margin = best_score - runner
        table = tuple((p.firm, round(sum(e.score for e in ev), 3)) for p, ev in scored)
        conf = 0.0 if best_score <= 0 else min(1.0, margin / best_score + 0.5 * (best_score > 8))
        decided = _decisive(best_ev, runner_ev)
        found = "; ".join(e.text for e in best_ev if e.text)
        specific = sum(e.score for e in best_ev if e.name not in PHASE_EVIDENCE)
        if best_score < pol.min_score or margin < pol.min_margin or specific < pol.min_specific:
            why = (
                f"unattributed: best match {best.name} scored {best_score:.2f} "
                f"({specific:.2f} beyond the phase mix), runner-up {runner_name} {runner:.2f}; "
                f"needs ≥ {pol.min_score}, a margin ≥ {pol.min_margin} and ≥ "
                f"{pol.min_specific} beyond the phase mix ({decided}); {found}"
            )
            out.append(
                Attribution(
                    f.operation_id, UNATTRIBUTED, round(min(conf, 0.2), 3), why, phases, table
                )
            )
            continue
        why = (
            f"{best.name}: score {best_score:.2f} vs runner-up {runner:.2f} ({runner_name}); "
            f"{decided}; {found}"
        )
        out.append(Attribution(f.operation_id, best.firm, round(conf, 3), why, phases, table))
    return out
