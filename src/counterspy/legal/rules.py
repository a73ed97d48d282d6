"""Due-process rules: each is a reason code and a check over a request draft.

The checks are small functions in one table keyed by their stable reason code; what a finding
*does* (reject, route to MLAT, narrow, escalate, advise) comes from the policy data, so an
operator can, say, make indefinite non-disclosure orders a rejection without touching code.
Workflow rules that act later (the emergency after-the-fact review, the user notice after a
non-disclosure order expires) live in :mod:`counterspy.legal.workflow` under their own codes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from counterspy.legal.model import (
    DataCategory,
    Finding,
    LegalProcess,
    Outcome,
    Queue,
    RequestDraft,
    RequestState,
)
from counterspy.legal.policy import LegalPolicy


@dataclass(frozen=True)
class RuleInput:
    draft: RequestDraft
    policy: LegalPolicy
    notified: frozenset[str]  # named accounts that belong to notified surveillance targets


Check = Callable[[RuleInput], str | None]  # detail text when the rule fires, else None


def _allowed(x: RuleInput) -> frozenset[DataCategory]:
    return x.policy.processes[x.draft.process].categories


def _legal_basis_missing(x: RuleInput) -> str | None:
    rule = x.policy.processes[x.draft.process]
    has_basis = bool((x.draft.legal_basis_ref or "").strip()) or x.draft.has_document
    if rule.needs_legal_basis and not has_basis:
        return f"a {x.draft.process.value} needs a legal basis reference or document"
    return None


def _category_narrowed(x: RuleInput) -> str | None:
    kept = x.draft.categories & _allowed(x)
    dropped = x.draft.categories - _allowed(x)
    if kept and dropped:
        return (
            f"a {x.draft.process.value} cannot compel {_names(dropped)}; "
            f"at most {_names(kept)} may be produced"
        )
    return None


def _category_none_allowed(x: RuleInput) -> str | None:
    if x.draft.categories and not x.draft.categories & _allowed(x):
        return f"a {x.draft.process.value} cannot compel {_names(x.draft.categories)}"
    return None


def _foreign(x: RuleInput) -> str | None:
    home = x.policy.home_country
    if x.draft.country != home and not x.policy.processes[x.draft.process].foreign_ok:
        return (
            f"issued in {x.draft.country}, outside the platform's legal home {home}: "
            "a foreign authority proceeds through MLAT / letters rogatory"
        )
    return None


def _no_accounts(x: RuleInput) -> str | None:
    return None if x.draft.accounts else "the request names no account"


def _too_many(x: RuleInput) -> str | None:
    n, limit = len(x.draft.accounts), x.policy.max_accounts
    return f"{n} accounts named; at most {limit} per request" if n > limit else None


def _wildcards(x: RuleInput) -> str | None:
    bad = [a for a in x.draft.accounts if x.policy.wildcard_re.search(a)]
    return f"{len(bad)} identifier(s) with wildcards, e.g. {bad[0]!r}" if bad else None


def is_unspecific(identifier: str, policy: LegalPolicy) -> bool:
    """True when ``identifier`` names a keyword, place or population rather than an account."""
    if policy.marker_re.match(identifier.strip().lower()):
        return True
    if policy.wildcard_re.search(identifier):
        return False  # reported as a wildcard instead
    return policy.identifier_pattern.match(identifier) is None


def _not_an_account(x: RuleInput) -> str | None:
    bad = [a for a in x.draft.accounts if is_unspecific(a, x.policy)]
    return f"{len(bad)} identifier(s) are not accounts, e.g. {bad[0]!r}" if bad else None


def _emergency_criteria(x: RuleInput) -> str | None:
    d = x.draft
    if d.process is not LegalProcess.EMERGENCY:
        return None
    problems = []
    if d.emergency_risk not in x.policy.qualifying_risks:
        problems.append("no risk of death or serious physical injury stated")
    if not d.emergency_imminent:
        problems.append("the risk is not stated as imminent")
    if len((d.emergency_justification or "").strip()) < x.policy.min_justification_chars:
        problems.append(f"justification shorter than {x.policy.min_justification_chars} characters")
    return "; ".join(problems) or None


def _ndo_indefinite(x: RuleInput) -> str | None:
    if x.draft.nondisclosure and x.draft.nondisclosure_until is None:
        return "non-disclosure order without an expiry date"
    return None


def _notified_target(x: RuleInput) -> str | None:
    n = len(x.notified)
    # The detail never says which account: findings are shown to more people than targets are.
    return f"{n} named account(s) belong to notified surveillance targets" if n else None


def _names(categories: Collection[DataCategory]) -> str:
    return ", ".join(sorted(c.value for c in categories))


# Stable reason code → check. Order is the order findings are reported in.
RULES: tuple[tuple[str, Check], ...] = (
    ("NOTIFIED_TARGET_ESCALATION", _notified_target),
    ("LEGAL_BASIS_MISSING", _legal_basis_missing),
    ("FOREIGN_ROUTE_MLAT", _foreign),
    ("OVERBROAD_NO_ACCOUNTS", _no_accounts),
    ("OVERBROAD_TOO_MANY_ACCOUNTS", _too_many),
    ("OVERBROAD_WILDCARD", _wildcards),
    ("OVERBROAD_NOT_AN_ACCOUNT", _not_an_account),
    ("EMERGENCY_CRITERIA_NOT_MET", _emergency_criteria),
    ("INSTRUMENT_CATEGORY_NONE_ALLOWED", _category_none_allowed),
    ("INSTRUMENT_CATEGORY_NARROWED", _category_narrowed),
    ("NDO_INDEFINITE", _ndo_indefinite),
)


def evaluate(
    draft: RequestDraft, policy: LegalPolicy, notified: frozenset[str] = frozenset()
) -> tuple[Finding, ...]:
    """Every rule that fires on ``draft``, with its outcome from the policy."""
    x = RuleInput(draft, policy, notified & frozenset(draft.accounts))
    out = []
    for code, check in RULES:
        detail = check(x)
        if detail is not None:
            out.append(Finding(code, policy.outcome_of(code), detail))
    return tuple(out)


# Strongest outcome first: what the findings recommend the reviewer decide.
_RECOMMENDATION: tuple[tuple[Outcome, RequestState], ...] = (
    (Outcome.REJECT, RequestState.REJECTED),
    (Outcome.ROUTE_MLAT, RequestState.ROUTED_TO_MLAT),
    (Outcome.NARROW, RequestState.PARTIALLY_APPROVED),
)


def recommend(findings: Collection[Finding]) -> RequestState:
    outcomes = {f.outcome for f in findings}
    return next((s for o, s in _RECOMMENDATION if o in outcomes), RequestState.APPROVED)


def queue_of(findings: Collection[Finding]) -> Queue:
    escalate = any(f.outcome is Outcome.ESCALATE for f in findings)
    return Queue.SENIOR if escalate else Queue.STANDARD


def allowed_categories(draft: RequestDraft, policy: LegalPolicy) -> frozenset[DataCategory]:
    """The requested categories this instrument can compel."""
    return draft.categories & policy.processes[draft.process].categories


def rule_codes() -> tuple[str, ...]:
    return tuple(code for code, _ in RULES)
