"""Scoring operations against firm profiles, with a rationale a reviewer can check.

Evidence and its weight (the maximum each can add to a firm's score):

* indicator overlap (strongest): share of the operation's bad domains that imported
  indicators attribute to the firm — up to ``indicator_weight``;
* phases of the chain: Jaccard similarity of the phases observed and those reported;
* target geography: share of at-risk targets in the firm's reported countries;
* persona themes: share of operator names containing the firm's reported persona words;
* infrastructure style: share of bad domains imitating the kinds of brands the firm used.

The best firm wins when its score reaches ``min_score`` and beats the runner-up by
``min_margin``; otherwise the operation stays "unattributed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from counterspy.attribute.features import OperationFeatures
from counterspy.attribute.profiles import FirmProfile
from counterspy.model import UNATTRIBUTED


@dataclass(frozen=True)
class AttributionPolicy:
    indicator_weight: float = 10.0
    phase_weight: float = 3.0
    geography_weight: float = 2.0
    persona_weight: float = 1.5
    infrastructure_weight: float = 1.5
    min_phase_share: float = 0.15  # a phase counts when it is this share of phase actions
    min_phase_actions: int = 3
    min_score: float = 2.0
    min_margin: float = 0.25


@dataclass(frozen=True)
class Attribution:
    operation_id: str
    firm: str
    confidence: float
    rationale: str
    phases: tuple[str, ...]
    scores: tuple[tuple[str, float], ...]  # every firm's score, best first


def observed_phases(f: OperationFeatures, policy: AttributionPolicy) -> tuple[str, ...]:
    total = sum(f.phase_counts.values())
    order = ("reconnaissance", "engagement", "exploitation")
    return tuple(
        p
        for p in order
        if (
            f.phase_counts.get(p, 0) >= policy.min_phase_actions
            and f.phase_counts.get(p, 0) >= policy.min_phase_share * total
        )
        or (p == "exploitation" and f.phase_counts.get(p, 0) > 0)
    )


def _words(name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", name.lower()))


def _score(
    f: OperationFeatures, phases: tuple[str, ...], prof: FirmProfile, pol: AttributionPolicy
) -> tuple[float, list[str]]:
    parts: list[str] = []
    score = 0.0
    if f.domains:
        hits = [d for d, a in f.domains.items() if a and a.lower() in prof.indicator_actors]
        if hits:
            share = len(hits) / len(f.domains)
            score += pol.indicator_weight * share
            parts.append(
                f"{len(hits)} of {len(f.domains)} link domains match indicators for "
                f"{prof.name} (e.g. {sorted(hits)[0]})"
            )
    obs = set(phases)
    if obs or prof.phases:
        jac = len(obs & prof.phases) / len(obs | prof.phases)
        score += pol.phase_weight * jac
        parts.append(
            f"phases {'+'.join(sorted(obs)) or 'none'} vs reported "
            f"{'+'.join(sorted(prof.phases))} (similarity {jac:.2f})"
        )
    n_targets = sum(f.target_countries.values())
    if prof.target_countries and n_targets:
        inside = sum(n for c, n in f.target_countries.items() if c in prof.target_countries)
        share = inside / n_targets
        score += pol.geography_weight * share
        if share > 0:
            parts.append(f"{share:.0%} of at-risk targets in its reported countries")
    n_personas = sum(f.claimed_countries.values())
    if prof.target_countries and n_personas:
        # Personas usually claim the target's country (or the firm's own base).
        places = prof.target_countries | {prof.base}
        inside = sum(n for c, n in f.claimed_countries.items() if c in places)
        share = inside / n_personas
        score += pol.geography_weight * 0.5 * share
        if share > 0:
            parts.append(f"{share:.0%} of personas claim its base or reported countries")
    if prof.persona_keywords and f.persona_names:
        match = sum(1 for n in f.persona_names if _words(n) & prof.persona_keywords)
        share = match / len(f.persona_names)
        score += pol.persona_weight * share
        if share > 0:
            parts.append(f"{share:.0%} of personas match its reported themes")
    n_dom = sum(f.domain_styles.values())
    if prof.infrastructure and n_dom:
        inside = sum(n for s, n in f.domain_styles.items() if s in prof.infrastructure)
        share = inside / n_dom
        score += pol.infrastructure_weight * share
        if share > 0:
            parts.append(
                f"{share:.0%} of link domains imitate {'/'.join(sorted(prof.infrastructure))}"
            )
    return score, parts


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
            ((p, *_score(f, phases, p, pol)) for p in profiles), key=lambda x: (-x[1], x[0].firm)
        )
        if not scored:
            out.append(
                Attribution(f.operation_id, UNATTRIBUTED, 0.0, "no firm profiles", phases, ())
            )
            continue
        best, best_score, best_parts = scored[0]
        runner = scored[1][1] if len(scored) > 1 else 0.0
        margin = best_score - runner
        table = tuple((p.firm, round(s, 3)) for p, s, _ in scored)
        conf = 0.0 if best_score <= 0 else min(1.0, margin / best_score + 0.5 * (best_score > 5))
        if best_score < pol.min_score or margin < pol.min_margin:
            why = (
                f"best match {best.name} scored {best_score:.2f} (runner-up {runner:.2f}); "
                f"needs ≥ {pol.min_score} and a margin ≥ {pol.min_margin}"
            )
            out.append(
                Attribution(f.operation_id, UNATTRIBUTED, round(conf, 3), why, phases, table)
            )
            continue
        why = (
            f"{best.name}: score {best_score:.2f} vs runner-up {runner:.2f} "
            f"({scored[1][0].name if len(scored) > 1 else '-'}); " + "; ".join(best_parts)
        )
        out.append(Attribution(f.operation_id, best.firm, round(conf, 3), why, phases, table))
    return out
