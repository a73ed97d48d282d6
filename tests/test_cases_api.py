"""The cases API: the review flow over HTTP, role guards and bad input (clear 4xx)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import MAX_BODY_BYTES, create_app
from counterspy.auth import users
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace
from tests.cases_helpers import detected_workspace

ROLES = {"ivan": "investigator", "rita": "reviewer", "rob": "reviewer", "aud": "auditor"}


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return detected_workspace(tmp_path_factory.getbasetemp() / "cases-detected")


@pytest.fixture
def api(
    store_url: str, detected: Workspace
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    store = Store(store_url)
    upgrade(store.engine)
    headers = {}
    with store.session() as s:
        for name, role in ROLES.items():
            users.create_user(s, name=name, role=role, actor="t")
            _, token = users.issue_token(s, name=name, actor="t")
            headers[name] = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(detected, store=store), raise_server_exceptions=False) as c:
        yield c, headers
    store.dispose()


def test_review_flow_over_http(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, h = api
    opened = c.post("/v1/cases/open", headers=h["ivan"])
    assert opened.status_code == 200, opened.text
    assert opened.json()["created"]
    assert c.post("/v1/cases/open", headers=h["ivan"]).json()["created"] == []
    cases = c.get("/v1/cases", headers=h["aud"]).json()
    top = max(cases, key=lambda x: x["accounts"])
    case = c.get(f"/v1/cases/{top['id']}", headers=h["aud"]).json()
    assert case["accounts"][0]["signals"][0]["threshold"] is not None
    assert case["operations"][0]["targets_by_phase"]
    # targets need targets:read (auditors do not have it)
    assert c.get(f"/v1/cases/{top['id']}/targets", headers=h["aud"]).status_code == 403
    targets = c.get(f"/v1/cases/{top['id']}/targets", headers=h["rita"]).json()
    assert len(targets) == case["operations"][0]["targets_total"]
    # investigators cannot review; reviewers can, with a reason code
    body = {"decision": "approved", "reason_code": "surveillance-for-hire"}
    assert c.post(f"/v1/cases/{top['id']}/review", json=body, headers=h["ivan"]).status_code == 403
    done = c.post(f"/v1/cases/{top['id']}/review", json=body, headers=h["rita"])
    assert done.status_code == 200, done.text
    assert len(done.json()["actions_created"]) == top["accounts"]
    assert done.json()["state"] == "decided"
    again = c.post(f"/v1/cases/{top['id']}/review", json=body, headers=h["rita"]).json()
    assert again["actions_created"] == []
    actions = c.get(f"/v1/cases/{top['id']}/actions", headers=h["aud"]).json()
    assert len(actions) == top["accounts"]
    assert {a["status"] for a in actions} == {"pending"}
    # an appeal goes to the other reviewer; the approver may not decide it
    account = case["accounts"][0]["account_id"]
    filed = c.post(
        "/v1/appeals",
        json={"account_id": account, "statement": "I am a journalist, not a spy"},
        headers=h["ivan"],
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["assignee"] == "rob"
    appeal = filed.json()["id"]
    decide = {"decision": "reinstated", "reason_code": "authentic-account"}
    refused = c.post(f"/v1/appeals/{appeal}/decide", json=decide, headers=h["rita"])
    assert refused.status_code == 409
    assert "approved the original action" in refused.json()["detail"]
    ok = c.post(f"/v1/appeals/{appeal}/decide", json=decide, headers=h["rob"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "reinstated"


@pytest.mark.parametrize(
    ("path", "body", "code", "needle"),
    [
        ("/v1/cases/999999/review", {"decision": "approved", "reason_code": "banned-entity"}, 404,
         "no case 999999"),
        ("/v1/cases/1/review", {"decision": "maybe", "reason_code": "banned-entity"}, 422,
         "decision"),
        ("/v1/cases/1/review", {"decision": "approved", "reason_code": "because"}, 400,
         "unknown reason code"),
        ("/v1/cases/1/review", {"decision": "approved", "reason_code": "banned-entity",
         "accounts": [f"a{i}" for i in range(5001)]}, 422, "at most 5000"),
        ("/v1/cases/1/review", {"decision": "approved", "reason_code": "banned-entity",
         "accounts": "a1"}, 422, "valid list"),
        ("/v1/cases/1/review", {"decision": "approved", "reason_code": "banned-entity",
         "note": "x" * 5000}, 422, "at most 4000"),
        ("/v1/cases/1/merge", {"other": "2", "reason": "same op"}, 422, "valid integer"),
        ("/v1/cases/1/merge", {"other": 1, "reason": "same op"}, 400, "into itself"),
        ("/v1/cases/99999999999/split", {"accounts": ["a"], "reason": "x"}, 422, "less than"),
        ("/v1/appeals/5/decide", {"decision": "reinstated", "reason_code": "authentic-account"},
         404, "no appeal 5"),
        ("/v1/appeals", {"account_id": "nobody", "statement": "hi"}, 404, "in no case"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_4xx(
    api: tuple[TestClient, dict[str, dict[str, str]]],
    path: str,
    body: dict[str, object],
    code: int,
    needle: str,
) -> None:
    c, h = api
    assert c.post("/v1/cases/open", headers=h["ivan"]).status_code == 200
    who = "ivan" if path.endswith(("/merge", "/split")) or path == "/v1/appeals" else "rob"
    resp = c.post(path, json=body, headers=h[who])
    assert resp.status_code == code, resp.text
    assert needle in resp.text


def test_oversized_body_is_refused_before_parsing(
    api: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    c, h = api
    big = b'{"accounts": [' + b'"a",' * (MAX_BODY_BYTES // 4) + b'"a"], "reason": "x"}'
    resp = c.post("/v1/cases/1/split", content=big, headers={**h["ivan"],
                  "content-type": "application/json"})  # fmt: skip
    assert resp.status_code == 413
    assert "larger than" in resp.json()["detail"]


def test_appeal_with_no_other_reviewer_is_a_conflict(
    api: tuple[TestClient, dict[str, dict[str, str]]], store_url: str
) -> None:
    c, h = api
    c.post("/v1/cases/open", headers=h["ivan"])
    top = max(c.get("/v1/cases", headers=h["rita"]).json(), key=lambda x: x["accounts"])
    body = {"decision": "approved", "reason_code": "inauthentic-behavior"}
    assert c.post(f"/v1/cases/{top['id']}/review", json=body, headers=h["rita"]).status_code == 200
    store = Store(store_url)
    with store.session() as s:  # rob leaves: rita, the approver, is the only reviewer left
        users.set_active(s, name="rob", active=False, actor="t", reason="left the team")
    store.dispose()
    account = c.get(f"/v1/cases/{top['id']}", headers=h["rita"]).json()["accounts"][0]
    resp = c.post(
        "/v1/appeals",
        json={"account_id": account["account_id"], "statement": "mistake"},
        headers=h["ivan"],
    )
    assert resp.status_code == 409
    assert "no reviewer other than rita" in resp.json()["detail"]


def test_split_and_merge_over_http(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, h = api
    c.post("/v1/cases/open", headers=h["ivan"])
    top = max(c.get("/v1/cases", headers=h["ivan"]).json(), key=lambda x: x["accounts"])
    accounts = [
        a["account_id"]
        for a in c.get(f"/v1/cases/{top['id']}", headers=h["ivan"]).json()["accounts"]
    ]
    body = {"accounts": accounts[:3], "reason": "separate cluster"}
    assert c.post(f"/v1/cases/{top['id']}/split", json=body, headers=h["rita"]).status_code == 403
    split = c.post(f"/v1/cases/{top['id']}/split", json=body, headers=h["ivan"])
    assert split.status_code == 200, split.text
    new_id = split.json()["case_id"]
    assert split.json()["accounts_moved"] == 3
    assert (
        c.get(f"/v1/cases/{new_id}", headers=h["ivan"]).json()["summary"]["split_from"] == top["id"]
    )
    merged = c.post(f"/v1/cases/{top['id']}/merge", json={"other": new_id, "reason": "same"},
                    headers=h["ivan"])  # fmt: skip
    assert merged.status_code == 200, merged.text
    assert c.get(f"/v1/cases/{top['id']}", headers=h["ivan"]).json()["summary"]["accounts"] == len(
        accounts
    )
    gone = c.get(f"/v1/cases/{new_id}", headers=h["ivan"]).json()["summary"]
    assert gone["state"] == "closed"
    assert gone["merged_into"] == top["id"]
