"""Case workflow forms in the console: infrastructure decisions, split, merge and appeals, with
the API's permissions, CSRF tokens and the library's four-eyes refusals shown on the page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from counterspy.cases.models import AppealRow, CaseAccountRow, CaseInfraRow
from counterspy.cases.review import review_accounts
from counterspy.cases.views import Decision
from counterspy.enforce.models import EnforcementActionRow
from tests.console_fixtures import (
    ConsoleEnv,
    audit_actions,
    client_as,
    clone_env,
    csrf_token,
    make_console_env,
)

INFRA = (("domain", "news-eg.top"), ("ip", "203.0.113.7"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    e = make_console_env(tmp_path_factory.mktemp("casework"))
    with e.store.session() as s:
        for kind, value in INFRA:
            detail = {"accounts": ["op1-a"], "events": 2, "label": "malicious", "reason": "x"}
            s.add(
                CaseInfraRow(
                    case_id=1,
                    kind=kind,
                    value=value,
                    detail=json.dumps(detail),
                    decision=Decision.PENDING.value,
                )
            )
    e.store.dispose()
    return e


@pytest.fixture
def env(template: ConsoleEnv, tmp_path: Path) -> Iterator[ConsoleEnv]:
    e = clone_env(template, tmp_path)
    yield e
    e.store.dispose()


def post_form(c: TestClient, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get(page).text)
    return c.post(action, data={**data, "csrf_token": token})


def infra_decisions(env: ConsoleEnv) -> dict[str, str]:
    with env.store.session() as s:
        rows = s.execute(select(CaseInfraRow)).scalars()
        return {r.value: r.decision for r in rows}


def case_of(env: ConsoleEnv, account: str) -> int:
    with env.store.session() as s:
        q = select(CaseAccountRow.case_id).where(CaseAccountRow.account_id == account)
        return int(s.execute(q).scalar_one())


def test_infrastructure_block_is_decided_on_the_case_page(env: ConsoleEnv) -> None:
    c = client_as(env, "u-reviewer")
    page = c.get("/console/cases/1").text
    assert 'value="domain:news-eg.top"' in page
    assert 'action="/console/cases/1/infrastructure"' in page
    resp = post_form(
        c,
        "/console/cases/1",
        "/console/cases/1/infrastructure",
        {
            "items": ["domain:news-eg.top"],
            "reason_code": "malicious-infrastructure",
            "note": "phishing lookalike",
        },
    )
    assert resp.status_code == 200
    assert "Approved blocking 1 infrastructure item(s)" in resp.text
    assert "malicious-infrastructure, by u-reviewer" in resp.text
    assert infra_decisions(env) == {"news-eg.top": "approved", "203.0.113.7": "pending"}
    with env.store.session() as s:
        kinds = [r.kind for r in s.execute(select(EnforcementActionRow)).scalars()]
    assert kinds == ["block_infrastructure"]
    assert "case.review_infrastructure" in audit_actions(env)
    rejected = post_form(
        c,
        "/console/cases/1",
        "/console/cases/1/infrastructure",
        {"items": ["ip:203.0.113.7"], "reason_code": "shared-infrastructure"},
    )
    assert "Rejected 1 infrastructure item(s)" in rejected.text
    assert infra_decisions(env)["203.0.113.7"] == "rejected"


def test_infrastructure_refusals_are_messages_not_errors(env: ConsoleEnv) -> None:
    opener = client_as(env, "u-admin")  # opened the cases: four eyes
    four_eyes = post_form(
        opener,
        "/console/cases/1",
        "/console/cases/1/infrastructure",
        {"items": ["domain:news-eg.top"], "reason_code": "banned-entity"},
    )
    assert four_eyes.status_code == 409
    assert re.search(r'role="alert"[^>]*>[^<]*four-eyes', four_eyes.text)
    c = client_as(env, "u-reviewer")
    foreign = post_form(
        c,
        "/console/cases/1",
        "/console/cases/1/infrastructure",
        {"items": ["domain:elsewhere.example"], "reason_code": "banned-entity"},
    )
    assert foreign.status_code == 404
    assert "not in case 1: domain:elsewhere.example" in foreign.text
    nothing = post_form(
        c, "/console/cases/1", "/console/cases/1/infrastructure", {"reason_code": "banned-entity"}
    )
    assert nothing.status_code == 400
    assert "Select at least one domain" in nothing.text
    bad_code = post_form(
        c,
        "/console/cases/1",
        "/console/cases/1/infrastructure",
        {"items": ["ip:203.0.113.7"], "reason_code": "appeal-new-evidence"},
    )
    assert bad_code.status_code == 400
    no_csrf = c.post(
        "/console/cases/1/infrastructure",
        data={"items": ["ip:203.0.113.7"], "reason_code": "banned-entity"},
    )
    assert no_csrf.status_code == 403
    assert "security token" in no_csrf.text
    assert set(infra_decisions(env).values()) == {"pending"}


def test_split_moves_accounts_to_a_new_case(env: ConsoleEnv) -> None:
    c = client_as(env, "u-investigator")
    page = c.get("/console/cases/1").text
    assert 'action="/console/cases/1/split"' in page
    assert 'action="/console/cases/1/review"' not in page  # investigators do not decide
    resp = post_form(
        c,
        "/console/cases/1",
        "/console/cases/1/split",
        {"accounts": ["op1-c"], "reason": "different persona cluster"},
    )
    assert resp.status_code == 200
    new = case_of(env, "op1-c")
    assert new not in (1, 2)
    assert f"moved to the new case {new}" in resp.text
    assert 'Split from</dt><dd><a href="/console/cases/1">' in c.get(f"/console/cases/{new}").text
    assert case_of(env, "op1-a") == 1
    assert "case.split" in " ".join(audit_actions(env))
    empty = post_form(c, "/console/cases/1", "/console/cases/1/split", {"reason": "x"})
    assert empty.status_code == 400
    assert "Select the accounts" in empty.text
    foreign = post_form(
        c, "/console/cases/1", "/console/cases/1/split", {"accounts": ["op2-a"], "reason": "x"}
    )
    assert foreign.status_code in (400, 404, 409)
    assert "op2-a" in foreign.text
    no_csrf = c.post("/console/cases/1/split", data={"accounts": ["op1-b"], "reason": "x"})
    assert no_csrf.status_code == 403
    assert case_of(env, "op1-b") == 1


def test_merge_into_another_case_and_its_refusals(env: ConsoleEnv) -> None:
    c = client_as(env, "u-investigator")
    unknown = post_form(
        c, "/console/cases/2", "/console/cases/2/merge", {"into": "999", "reason": "same firm"}
    )
    assert unknown.status_code == 404
    assert re.search(r'role="alert"[^>]*>no case 999', unknown.text)
    itself = post_form(
        c, "/console/cases/2", "/console/cases/2/merge", {"into": "2", "reason": "same firm"}
    )
    assert itself.status_code == 400
    assert "cannot be merged into itself" in itself.text
    junk = post_form(c, "/console/cases/2", "/console/cases/2/merge", {"into": "x", "reason": "r"})
    assert junk.status_code == 400
    assert "Give the id of the case" in junk.text
    no_csrf = c.post("/console/cases/2/merge", data={"into": "1", "reason": "same firm"})
    assert no_csrf.status_code == 403
    assert case_of(env, "op2-a") == 2
    resp = post_form(
        c,
        "/console/cases/2",
        "/console/cases/2/merge",
        {"into": "1", "reason": "same firm, shared infrastructure"},
    )
    assert resp.status_code == 200
    assert "Case 2 was merged into this case" in resp.text
    assert case_of(env, "op2-a") == 1
    closed = c.get("/console/cases/2").text
    assert 'Merged into</dt><dd><a href="/console/cases/1">' in closed
    assert 'action="/console/cases/2/merge"' not in closed  # closed: no reshaping forms


def test_reviewer_and_auditor_see_no_reshape_forms(env: ConsoleEnv) -> None:
    for name in ("u-reviewer", "u-auditor"):
        page = client_as(env, name).get("/console/cases/1").text
        assert "/split" not in page, name
        assert "/merge" not in page, name
    refused = client_as(env, "u-reviewer").post("/console/cases/1/split", data={})
    assert refused.status_code == 403


def _approve_op1a(env: ConsoleEnv) -> None:
    with env.store.session() as s:
        review_accounts(
            s,
            1,
            decision=Decision.APPROVED,
            reason_code="surveillance-for-hire",
            actor="u-reviewer",
            accounts=["op1-a"],
        )


def test_appeal_filed_refused_to_the_approver_and_reinstated_by_another(env: ConsoleEnv) -> None:
    _approve_op1a(env)
    staff = client_as(env, "u-investigator")
    case_page = staff.get("/console/cases/1").text
    assert case_page.count("File an appeal") == 1  # only the approved account has the link
    assert 'href="/console/appeals?account=op1-a#file-form"' in case_page
    assert 'value="op1-a"' in staff.get("/console/appeals?account=op1-a").text
    pending = post_form(
        staff,
        "/console/appeals",
        "/console/appeals",
        {"account_id": "op1-b", "statement": "I am a journalist"},
    )
    assert pending.status_code == 409
    assert "no approved action to appeal" in pending.text
    assert "I am a journalist" in pending.text  # the form keeps what was typed
    filed = post_form(
        staff,
        "/console/appeals",
        "/console/appeals",
        {"account_id": "op1-a", "statement": "my account was stolen"},
    )
    assert filed.status_code == 200
    assert "filed and assigned" in filed.text
    assert "decide-" not in filed.text  # investigators cannot decide
    with env.store.session() as s:
        appeal = s.execute(select(AppealRow)).scalar_one()
        appeal_id, assignee = appeal.id, appeal.assignee
    assert assignee == "u-admin"  # the only reviewer other than the approver
    approver = client_as(env, "u-reviewer")
    refused = post_form(
        approver,
        "/console/appeals",
        f"/console/appeals/{appeal_id}/decide",
        {"decision": "reinstated", "reason_code": "appeal-account-compromised"},
    )
    assert refused.status_code == 409
    assert re.search(
        r'role="alert"[^>]*>Appeal \d+: u-reviewer approved the original action', refused.text
    )
    no_csrf = client_as(env, "u-admin").post(
        f"/console/appeals/{appeal_id}/decide",
        data={"decision": "reinstated", "reason_code": "appeal-account-compromised"},
    )
    assert no_csrf.status_code == 403
    other = client_as(env, "u-admin")
    wrong_code = post_form(
        other,
        "/console/appeals",
        f"/console/appeals/{appeal_id}/decide",
        {"decision": "reinstated", "reason_code": "surveillance-for-hire"},
    )
    assert wrong_code.status_code == 400
    assert "not valid to reinstate" in wrong_code.text
    done = post_form(
        other,
        "/console/appeals",
        f"/console/appeals/{appeal_id}/decide",
        {
            "decision": "reinstated",
            "reason_code": "appeal-account-compromised",
            "note": "owner verified",
        },
    )
    assert done.status_code == 200
    assert "the account is reinstated" in done.text
    assert "appeal-account-compromised: owner verified (by u-admin)" in done.text
    assert audit_actions(env)[-1] == "appeal.reinstated"
    with env.store.session() as s:
        row = s.execute(select(CaseAccountRow).where(CaseAccountRow.account_id == "op1-a"))
        assert row.scalar_one().decision == "reinstated"
    decided = other.get("/console/appeals?state=reinstated").text
    assert "my account was stolen" in decided
    assert "my account was stolen" not in other.get("/console/appeals?state=open").text


def test_appeals_page_for_readers_and_unknown_appeals(env: ConsoleEnv) -> None:
    auditor = client_as(env, "u-auditor")
    page = auditor.get("/console/appeals")
    assert page.status_code == 200
    assert "No appeals" in page.text
    assert "File an appeal" not in page.text
    assert 'href="/console/appeals"' in auditor.get("/console/").text  # in the navigation
    assert auditor.post("/console/appeals", data={}).status_code == 403
    c = client_as(env, "u-reviewer")
    missing = post_form(
        c,
        "/console/appeals",
        "/console/appeals/77/decide",
        {"decision": "upheld", "reason_code": "appeal-denied-evidence-stands"},
    )
    assert missing.status_code == 404
    assert "no appeal 77" in missing.text
    assert c.get("/console/appeals?state=bogus").status_code == 422
