"""Operation features and evidence readings shared by the attribution tests."""

from __future__ import annotations

from collections import Counter

from counterspy.attribute import load_profiles
from counterspy.attribute.features import OperationFeatures
from counterspy.attribute.scoring import AttributionPolicy, evidence_for


def make_op(**kw: object) -> OperationFeatures:
    """A six-account reconnaissance-and-engagement operation on French targets, French personas;
    ``kw`` overrides any feature."""
    base: dict[str, object] = {
        "operation_id": "op-0001",
        "n_accounts": 6,
        "phase_counts": {"reconnaissance": 60, "engagement": 20, "exploitation": 0},
        "target_countries": Counter({"FR": 6}),
        "persona_names": ("A B",) * 6,
        "page_share": 0.0,
        "claimed_countries": Counter({"FR": 6}),
        "domains": {},
        "domain_styles": Counter(),
        "locales": ("fr-FR",) * 6,
    }
    base.update(kw)
    return OperationFeatures(**base)  # type: ignore[arg-type]


def evidence_scores(f: OperationFeatures, firm: str, policy: AttributionPolicy) -> dict[str, float]:
    """Each evidence item's score for ``f`` against ``firm``'s profile."""
    prof = next(p for p in load_profiles() if p.firm == firm)
    return {e.name: e.score for e in evidence_for(f, prof, policy)}
