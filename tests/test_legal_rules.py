"""Due-process rules: each fires on a request that breaks it, and not on a near miss."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterspy.errors import InputError
from counterspy.legal.model import (
    DataCategory,
    EmergencyRisk,
    LegalProcess,
    Outcome,
    Queue,
    RequestDraft,
    RequestState,
)
from counterspy.legal.policy import default_policy, load_policy, parse_country
from counterspy.legal.rules import RULES, evaluate, queue_of, recommend, rule_codes

SUB = DataCategory.SUBSCRIBER
NON = DataCategory.NON_CONTENT
CON = DataCategory.CONTENT

# A request no rule objects to: a US warrant for content of two named accounts.
GOOD = RequestDraft(
    process=LegalProcess.SEARCH_WARRANT,
    country="US",
    categories=frozenset({SUB, NON, CON}),
    accounts=("acct-1001", "acct-1002"),
    legal_basis_ref="Warrant 26-MJ-0042, N.D. Cal.",
)
GOOD_EMERGENCY = RequestDraft(
    process=LegalProcess.EMERGENCY,
    country="FR",
    categories=frozenset({SUB, NON}),
    accounts=("acct-77",),
    emergency_risk=EmergencyRisk.DEATH,
    emergency_imminent=True,
    emergency_justification="Kidnapped child; the caller threatened to kill her tonight at 22:00.",
)

# code → (a draft that triggers it, a near-identical draft that does not)
CASES: dict[str, tuple[RequestDraft, RequestDraft]] = {
    "NOTIFIED_TARGET_ESCALATION": (
        replace(GOOD, accounts=("acct-1001", "target-9")),
        replace(GOOD, accounts=("acct-1001", "acct-1002")),
    ),
    "LEGAL_BASIS_MISSING": (
        replace(GOOD, legal_basis_ref=None),
        replace(GOOD, legal_basis_ref=None, has_document=True),
    ),
    "FOREIGN_ROUTE_MLAT": (
        replace(GOOD, country="GB"),
        replace(GOOD, country="GB", process=LegalProcess.PRESERVATION),
    ),
    "OVERBROAD_NO_ACCOUNTS": (replace(GOOD, accounts=()), replace(GOOD, accounts=("acct-1",))),
    "OVERBROAD_TOO_MANY_ACCOUNTS": (
        replace(GOOD, accounts=tuple(f"acct-{i}" for i in range(26))),
        replace(GOOD, accounts=tuple(f"acct-{i}" for i in range(25))),
    ),
    "OVERBROAD_WILDCARD": (
        replace(GOOD, accounts=("acct-1", "acct-*")),
        replace(GOOD, accounts=("acct-1", "acct-2")),
    ),
    "OVERBROAD_NOT_AN_ACCOUNT": (
        replace(GOOD, accounts=("keyword:protest",)),
        replace(GOOD, accounts=("keyword-protest-org",)),
    ),
    "EMERGENCY_CRITERIA_NOT_MET": (
        replace(GOOD_EMERGENCY, emergency_risk=EmergencyRisk.OTHER),
        GOOD_EMERGENCY,
    ),
    "INSTRUMENT_CATEGORY_NONE_ALLOWED": (
        replace(GOOD, process=LegalProcess.SUBPOENA, categories=frozenset({CON})),
        replace(GOOD, process=LegalProcess.SUBPOENA, categories=frozenset({SUB})),
    ),
    "INSTRUMENT_CATEGORY_NARROWED": (
        replace(GOOD, process=LegalProcess.COURT_ORDER, categories=frozenset({SUB, CON})),
        replace(GOOD, process=LegalProcess.COURT_ORDER, categories=frozenset({SUB, NON})),
    ),
    "NDO_INDEFINITE": (
        replace(GOOD, nondisclosure=True),
        replace(GOOD, nondisclosure=True, nondisclosure_until=date(2027, 1, 1)),
    ),
}
NOTIFIED = frozenset({"target-9"})


def _codes(draft: RequestDraft) -> set[str]:
    return {f.code for f in evaluate(draft, default_policy(), NOTIFIED)}


def test_every_rule_has_a_case_and_a_reason_code() -> None:
    assert set(CASES) == set(rule_codes())
    assert len(rule_codes()) == len(set(rule_codes()))
    assert set(rule_codes()) <= set(default_policy().reason_codes)


def test_baselines_pass_every_rule() -> None:
    assert _codes(GOOD) == set()
    assert _codes(GOOD_EMERGENCY) == set()


@pytest.mark.parametrize("code", [c for c, _ in RULES])
def test_rule_fires_on_its_case(code: str) -> None:
    triggering, _ = CASES[code]
    assert code in _codes(triggering)


@pytest.mark.parametrize("code", [c for c, _ in RULES])
def test_rule_is_quiet_on_the_near_miss(code: str) -> None:
    _, quiet = CASES[code]
    assert code not in _codes(quiet)


@pytest.mark.parametrize(
    "identifier",
    [
        "*",
        "acct%",
        "user?",
        "all",
        "EVERYONE",
        "#protest",
        "geo:48.85,2.35",
        "country:FR",
        "people in Paris",
        "near:Kyiv",
        "",
    ],
)
def test_unspecific_or_wildcard_identifiers_are_rejected(identifier: str) -> None:
    draft = replace(GOOD, accounts=(identifier,))
    found = evaluate(draft, default_policy())
    assert recommend(found) is RequestState.REJECTED, identifier


@pytest.mark.parametrize("identifier", ["acct-1", "12345678", "user@example.org", "fb:100042"])
def test_specific_identifiers_pass(identifier: str) -> None:
    assert evaluate(replace(GOOD, accounts=(identifier,)), default_policy()) == ()


def test_emergency_needs_imminence_and_a_real_justification() -> None:
    pol = default_policy()
    not_imminent = replace(GOOD_EMERGENCY, emergency_imminent=False)
    too_short = replace(GOOD_EMERGENCY, emergency_justification="urgent")
    for draft in (not_imminent, too_short, replace(GOOD_EMERGENCY, emergency_risk=None)):
        assert {f.code for f in evaluate(draft, pol)} == {"EMERGENCY_CRITERIA_NOT_MET"}
    injury = replace(GOOD_EMERGENCY, emergency_risk=EmergencyRisk.SERIOUS_PHYSICAL_INJURY)
    assert evaluate(injury, pol) == ()


def test_instrument_table_matches_the_us_example() -> None:
    pol = default_policy()
    assert pol.processes[LegalProcess.SUBPOENA].categories == {SUB}
    assert pol.processes[LegalProcess.COURT_ORDER].categories == {SUB, NON}
    assert pol.processes[LegalProcess.SEARCH_WARRANT].categories == {SUB, NON, CON}


def test_recommendation_and_queue() -> None:
    pol = default_policy()
    assert recommend(evaluate(GOOD, pol)) is RequestState.APPROVED
    narrowed = CASES["INSTRUMENT_CATEGORY_NARROWED"][0]
    assert recommend(evaluate(narrowed, pol)) is RequestState.PARTIALLY_APPROVED
    foreign = CASES["FOREIGN_ROUTE_MLAT"][0]
    assert recommend(evaluate(foreign, pol)) is RequestState.ROUTED_TO_MLAT
    # Rejection beats routing: an overbroad foreign request is rejected.
    both = replace(foreign, accounts=("*",))
    assert recommend(evaluate(both, pol)) is RequestState.REJECTED
    escalated = evaluate(CASES["NOTIFIED_TARGET_ESCALATION"][0], pol, NOTIFIED)
    assert queue_of(escalated) is Queue.SENIOR
    assert queue_of(evaluate(GOOD, pol, NOTIFIED)) is Queue.STANDARD


def test_escalation_detail_never_names_the_target() -> None:
    found = evaluate(CASES["NOTIFIED_TARGET_ESCALATION"][0], default_policy(), NOTIFIED)
    assert all("target-9" not in f.detail for f in found)


def test_policy_override_changes_outcomes_and_home(tmp_path: Path) -> None:
    (tmp_path / "legal-policy.yaml").write_text(
        "home_country: GB\nmax_accounts: 1\n"
        "reason_codes:\n"
        + "".join(
            f"  {code}:\n    outcome: {spec.outcome.value}\n    description: x\n"
            for code, spec in default_policy().reason_codes.items()
            if code != "NDO_INDEFINITE"
        )
        + "  NDO_INDEFINITE:\n    outcome: reject\n    description: no open-ended gags\n"
        "official_domains:\n  GB: [example.gov.uk]\n",
        encoding="utf-8",
    )
    pol = load_policy(tmp_path)
    assert pol.home_country == "GB"
    assert "FOREIGN_ROUTE_MLAT" in {f.code for f in evaluate(GOOD, pol)}  # US is now foreign
    uk = replace(GOOD, country="GB", nondisclosure=True, accounts=("a1",))
    found = evaluate(uk, pol)
    assert [(f.code, f.outcome) for f in found] == [("NDO_INDEFINITE", Outcome.REJECT)]
    assert pol.official_suffix("GB", "officer@unit.example.gov.uk") == "example.gov.uk"


def test_bad_policy_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "legal-policy.yaml").write_text("max_accounts: lots\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"legal-policy\.yaml"):
        load_policy(tmp_path)


@pytest.mark.parametrize(
    ("country", "email", "suffix"),
    [
        ("US", "agent@fbi.gov", "gov"),
        ("US", "clerk@cand.uscourts.gov", "gov"),
        ("GB", "officer@met.police.uk", "police.uk"),
        ("FR", "ocrtis@interieur.gouv.fr", "gouv.fr"),
        ("DE", "referat@bka.bund.de", "bund.de"),
        ("US", "agent@notgov.com", None),
        ("US", "agent@fbi.gov.evil.com", None),
        ("GB", "agent@fbi.gov", None),  # official, but for another country
        ("FR", "someone@gouv.fr.example.net", None),
    ],
)
def test_official_domain_matching(country: str, email: str, suffix: str | None) -> None:
    assert default_policy().official_suffix(country, email) == suffix


def test_countries_are_cldr_codes() -> None:
    assert parse_country("gb") == "GB"
    assert parse_country("XK") == "XK"
    for bad in ("UK", "EU", "001", "USA", "ZZ"):
        with pytest.raises(ValueError, match="unknown country"):
            parse_country(bad)


def test_every_reason_code_is_documented() -> None:
    from tests.conftest import REPO

    page = (REPO / "docs" / "legal.md").read_text(encoding="utf-8")
    missing = [c for c in default_policy().reason_codes if f"| `{c}` |" not in page]
    assert not missing, f"reason codes missing from the table in docs/legal.md: {missing}"


_ident = st.one_of(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,20}", fullmatch=True),
    st.sampled_from(["*", "all", "#tag", "keyword:x", "a b", "acct%", ""]),
)
_drafts = st.builds(
    RequestDraft,
    process=st.sampled_from(list(LegalProcess)),
    country=st.sampled_from(["US", "GB", "FR", "IN"]),
    categories=st.frozensets(st.sampled_from(list(DataCategory)), min_size=1),
    accounts=st.lists(_ident, max_size=40).map(tuple),
    legal_basis_ref=st.one_of(st.none(), st.just("Docket 7")),
    emergency_risk=st.one_of(st.none(), st.sampled_from(list(EmergencyRisk))),
    emergency_imminent=st.booleans(),
    emergency_justification=st.one_of(st.none(), st.text(max_size=80)),
    nondisclosure=st.booleans(),
)


@given(draft=_drafts, notified=st.frozensets(_ident, max_size=3))
@settings(max_examples=300, deadline=None)
def test_rule_outcomes_are_consistent(draft: RequestDraft, notified: frozenset[str]) -> None:
    pol = default_policy()
    found = evaluate(draft, pol, notified)
    codes = {f.code for f in found}
    outcomes = {f.outcome for f in found}
    assert len(codes) == len(found)
    assert ("OVERBROAD_TOO_MANY_ACCOUNTS" in codes) == (len(draft.accounts) > pol.max_accounts)
    assert ("OVERBROAD_NO_ACCOUNTS" in codes) == (not draft.accounts)
    assert ("NOTIFIED_TARGET_ESCALATION" in codes) == bool(notified & set(draft.accounts))
    assert (recommend(found) is RequestState.REJECTED) == (Outcome.REJECT in outcomes)
    if recommend(found) is RequestState.APPROVED:
        assert draft.categories <= pol.processes[draft.process].categories
        assert draft.country == pol.home_country or pol.processes[draft.process].foreign_ok
