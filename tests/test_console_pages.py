"""What the console pages show and do: case evidence and graph, review decisions, role-shaped
views, notification batches, the blocklist and the audit viewer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from counterspy.audit.models import AuditRow
from counterspy.intel.models import BlocklistEntry
from counterspy.notify import planning
from tests.console_fixtures import (
    PASSWORD,
    ConsoleEnv,
    audit_actions,
    client_as,
    clone_env,
    csrf_token,
    make_console_env,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    return make_console_env(tmp_path_factory.mktemp("pages"))


@pytest.fixture
def env(template: ConsoleEnv, tmp_path: Path) -> Iterator[ConsoleEnv]:
    e = clone_env(template, tmp_path)
    yield e
    e.store.dispose()


def test_dashboard_counts_firms_phases_countries_and_pending(env: ConsoleEnv) -> None:
    html = client_as(env, "u-reviewer").get("/console/").text
    cytrox = re.search(r'operations\?firm=cytrox">cytrox</a></th>(.*?)</tr>', html, re.S)
    assert cytrox
    cells = re.findall(r'<td class="num">(\d+)</td>', cytrox.group(1))
    # ops, reconnaissance, engagement, exploitation, accounts, targets
    assert cells == ["1", "1", "0", "1", "4", "4"]
    assert re.search(r'<th scope="row">EG</th><td class="num">2</td><td class="num">1</td>', html)
    assert re.search(r'count attention">5</span> Case accounts awaiting', html)
    assert re.search(r'count">0</span> Flagged accounts not yet in a case', html)


def test_operation_page_shows_evidence_graph_and_targets(env: ConsoleEnv) -> None:
    html = client_as(env, "u-reviewer").get("/console/operations/op-0001").text
    assert "evidence line 0" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<circle") == 4  # every operator account of the operation
    assert svg.count("<rect") == 4  # t1..t4; the bystander is not a target of the operation
    assert svg.count("<line") == 5  # distinct operator→target pairs
    assert "bystander" not in html
    assert "<td>t1</td>" in html
    assert 'href="/console/cases/1"' in html
    assert "/review" not in html  # decisions are taken on cases


def test_case_page_shows_the_snapshot_graph_and_a_review_form(env: ConsoleEnv) -> None:
    html = client_as(env, "u-reviewer").get("/console/cases/1").text
    assert "evidence line 0" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<circle") == 3  # the case holds the flagged accounts only
    assert 'action="/console/cases/1/review"' in html
    assert 'value="surveillance-for-hire"' in html
    assert 'value="SFH-1"' not in html
    timeline = html[html.index('<ol class="timeline">') :]
    assert "case.open case 1 by u-admin" in timeline
    assert "case 2 by" not in timeline


def test_auditor_sees_the_graph_shape_but_not_who_was_targeted(env: ConsoleEnv) -> None:
    c = client_as(env, "u-auditor")
    for path in ("/console/operations/op-0001", "/console/cases/1"):
        html = c.get(path).text
        assert "<td>t1</td>" not in html
        assert "t1 (" not in html
        assert "target 1" in html
        assert "/review" not in html  # no decision form without cases:review


def _review(c: TestClient, case: int, accounts: list[str], code: str, note: str = ""):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get(f"/console/cases/{case}").text)
    return c.post(
        f"/console/cases/{case}/review",
        data={"accounts": accounts, "reason_code": code, "note": note, "csrf_token": token},
    )


def test_reject_is_audited_and_leaves_the_queue(env: ConsoleEnv) -> None:
    c = client_as(env, "u-reviewer")
    resp = _review(c, 1, ["op1-c"], "false-positive-confounder", "a real journalist")
    assert resp.status_code == 200
    assert "Rejected 1 account(s)" in resp.text
    assert "false-positive-confounder: a real journalist (by u-reviewer)" in resp.text
    assert "case.review" in audit_actions(env)[-2:]
    assert re.search(r'count attention">4</span> Case accounts awaiting', c.get("/console/").text)
    operation = c.get("/console/operations/op-0001").text
    assert "false-positive-confounder (by u-reviewer)" in operation


def test_review_refuses_foreign_accounts_unknown_codes_and_the_cases_opener(
    env: ConsoleEnv,
) -> None:
    c = client_as(env, "u-reviewer")
    before = audit_actions(env)
    foreign = _review(c, 1, ["op2-a"], "surveillance-for-hire")
    assert foreign.status_code == 400
    assert "not in case 1: op2-a" in foreign.text
    unknown = _review(c, 1, ["op1-a"], "BECAUSE")
    assert unknown.status_code == 400
    assert "Pick a reason code" in unknown.text
    nothing = _review(c, 1, [], "surveillance-for-hire")
    assert nothing.status_code == 400
    assert c.get("/console/cases/9999").status_code == 404
    opener = _review(client_as(env, "u-admin"), 1, ["op1-a"], "surveillance-for-hire")
    assert opener.status_code == 409
    assert "four-eyes" in opener.text
    assert audit_actions(env)[len(before) :] == ["console.sign_in"]  # the admin's; nothing else


def test_approved_action_shows_in_the_outbox_and_can_be_cancelled(env: ConsoleEnv) -> None:
    c = client_as(env, "u-reviewer")
    resp = _review(c, 2, ["op2-a"], "inauthentic-behavior")
    assert "Approved 1 account(s)" in resp.text
    page = c.get("/console/actions").text
    assert "op2-a" in page
    assert "inauthentic-behavior" in page
    action_id = re.search(r'action="/console/actions/(\d+)/cancel"', page)
    assert action_id
    token = csrf_token(page)
    c.post(
        f"/console/actions/{action_id.group(1)}/cancel",
        data={"reason": "wrong account", "csrf_token": token},
    )
    assert "cancelled" in c.get("/console/actions?status=cancelled").text
    actions = audit_actions(env)
    assert actions.index("action.approve") < actions.index("case.review")
    assert actions[-1] == "action.cancel"


def test_notification_batch_two_person_approval(env: ConsoleEnv) -> None:
    with env.store.session() as s:
        planning.record_takedown(s, "op-0001", actor="u-investigator", reason="disabled")
        summary = planning.plan_batch(s, env.workspace, actor="u-reviewer")
    assert summary.batch_id is not None
    c = client_as(env, "u-reviewer")
    page = c.get(f"/console/notifications/{summary.batch_id}").text
    assert "Decide on this batch" in page
    token = csrf_token(page)
    same = c.post(
        f"/console/notifications/{summary.batch_id}/decision",
        data={"decision": "approve", "reason": "ok", "csrf_token": token},
    )
    assert same.status_code == 409
    assert "someone else must approve" in same.text
    admin = client_as(env, "u-admin")
    token = csrf_token(admin.get("/console/notifications").text)
    ok = admin.post(
        f"/console/notifications/{summary.batch_id}/decision",
        data={"decision": "approve", "reason": "takedown confirmed", "csrf_token": token},
    )
    assert ok.status_code == 200
    assert "approved" in ok.text
    investigator = client_as(env, "u-investigator").get(
        f"/console/notifications/{summary.batch_id}"
    )
    assert investigator.status_code == 200  # planners may look, not decide
    assert "Decide on this batch" not in investigator.text


@pytest.mark.parametrize(("locale", "direction"), [("ar", "rtl"), ("de", "ltr"), ("pt-BR", "ltr")])
def test_notice_preview_in_a_locale(env: ConsoleEnv, locale: str, direction: str) -> None:
    html = client_as(env, "u-reviewer").get(f"/console/notifications/preview?locale={locale}").text
    assert f'dir="{direction}"' in html
    notice = html[html.index('<pre class="preview">') :]
    assert "cytrox" not in notice.lower()


def test_blocklist_add_and_lift_are_audited(env: ConsoleEnv) -> None:
    c = client_as(env, "u-investigator")
    token = csrf_token(c.get("/console/intel").text)
    bad = c.post(
        "/console/intel/blocklist",
        data={"value": "not a domain at all", "reason": "x", "csrf_token": token},
    )
    assert bad.status_code == 400
    c.post(
        "/console/intel/blocklist",
        data={"value": "News-EG.top", "reason": "Cytrox lookalike", "csrf_token": token},
    )
    with env.store.session() as s:
        assert s.execute(select(BlocklistEntry.value)).scalars().all() == ["news-eg.top"]
    assert "news-eg.top" in c.get("/console/intel").text
    c.post(
        "/console/intel/blocklist/remove",
        data={"value": "news-eg.top", "reason": "sinkholed", "csrf_token": token},
    )
    with env.store.session() as s:
        assert s.execute(select(BlocklistEntry.value)).scalars().all() == []
    assert audit_actions(env)[-2:] == ["blocklist.add", "blocklist.remove"]
    reviewer = client_as(env, "u-reviewer").get("/console/intel").text
    assert 'action="/console/intel/blocklist"' not in reviewer  # intel:read only


def test_audit_viewer_filters_and_verifies(env: ConsoleEnv) -> None:
    c = client_as(env, "u-auditor")
    page = c.get("/console/audit?action=console.sign_in").text
    assert "console.sign_in" in page
    assert "user.create" not in page
    assert "The chain is intact" in c.get("/console/audit/verify").text
    with env.store.session() as s:
        row = s.execute(select(AuditRow).where(AuditRow.seq == 2)).scalar_one()
        row.reason = "tampered"
    assert "BROKEN" in c.get("/console/audit/verify").text


def _agency_request(env: ConsoleEnv, agency_id: str, country: str, email: str) -> int:
    from counterspy.legal import agencies, requests
    from counterspy.legal.model import DataCategory, LegalProcess, RequestDraft
    from counterspy.legal.policy import default_policy
    from counterspy.legal.targets import WorkspaceTargets

    policy = default_policy()
    with env.store.session() as s:
        agencies.register_agency(
            s,
            agency_id=agency_id,
            name=agency_id,
            country=country,
            email=email,
            actor="t",
            policy=policy,
            contact_phone="+1 202 555 0100",
        )
        agencies.record_callback(
            s, agency_id=agency_id, number="+1 202 324 3000", source="x", confirmed=True, actor="t"
        )
        view = requests.submit_request(
            s,
            agency_id=agency_id,
            draft=RequestDraft(
                process=LegalProcess.SEARCH_WARRANT,
                country=country,
                categories=frozenset({DataCategory.SUBSCRIBER}),
                accounts=("op1-a",),
                legal_basis_ref="W-1",
            ),
            actor="t",
            policy=policy,
            targets=WorkspaceTargets(env.workspace),
        )
    return view.id


def test_legal_pages_show_staff_everything_and_agencies_their_own(env: ConsoleEnv) -> None:
    own = _agency_request(env, "org-agency", "US", "legal@fbi.gov")
    other = _agency_request(env, "uk-nca", "GB", "lr@nca.gov.uk")
    reviewer = client_as(env, "u-reviewer")
    queue = reviewer.get("/console/legal").text
    assert f'href="/console/legal/{own}"' in queue
    assert f'href="/console/legal/{other}"' in queue
    detail = reviewer.get(f"/console/legal/{own}")
    assert detail.status_code == 200
    assert "rules recommend" in detail.text
    agency = client_as(env, "u-agency")
    mine = agency.get("/console/legal/mine").text
    assert f'href="/console/legal/{own}"' in mine
    assert f'href="/console/legal/{other}"' not in mine
    assert agency.get(f"/console/legal/{own}").status_code == 200
    assert "rules recommend" not in agency.get(f"/console/legal/{own}").text
    assert agency.get(f"/console/legal/{other}").status_code == 404
    assert agency.get("/console/legal").status_code == 403


def test_cached_results_follow_a_new_detection_run(env: ConsoleEnv) -> None:
    from counterspy.console.overview import results_or_empty
    from counterspy.detect.results import RunInfo, read_result, write_results

    first = results_or_empty(env.workspace, "operations")
    assert first is not None
    assert len(first) == 2
    tables = {n: read_result(env.workspace, n) for n in ("signals", "accounts", "targets")}
    tables["bad_domains"] = read_result(env.workspace, "bad_domains")
    tables["operations"] = first.head(1)
    write_results(env.workspace, tables, RunInfo("duckdb", 9, 0.1, (), "none"))
    again = results_or_empty(env.workspace, "operations")
    assert again is not None
    assert len(again) == 1


def test_pages_work_before_detection_has_run(tmp_path: Path) -> None:
    from counterspy.auth import users
    from counterspy.storage.db import Store
    from counterspy.storage.migrate import upgrade
    from counterspy.workspace import Workspace

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    with store.session() as s:
        users.create_user(s, name="u-admin", role="admin", actor="t")
        users.set_password(s, name="u-admin", password=PASSWORD, actor="t")
    env = ConsoleEnv(Workspace(tmp_path / "empty"), store)
    c = client_as(env, "u-admin")
    dash = c.get("/console/")
    assert dash.status_code == 200
    assert "No detection results" in dash.text
    for path in ("/console/cases", "/console/operations", "/console/actions", "/console/intel"):
        assert c.get(path).status_code == 200, path
    missing = c.get("/console/operations/op-0001")
    assert missing.status_code == 404
    assert "counterspy detect" in missing.text
    store.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/console/cases/99999999999999999999",
        "/console/legal/99999999999999999999",
        "/console/notifications/99999999999999999999",
        "/console/cases/0",
    ],
)
def test_out_of_range_ids_are_refused_not_crashing(env: ConsoleEnv, path: str) -> None:
    assert client_as(env, "u-admin").get(path).status_code == 422
