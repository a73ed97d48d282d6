"""The lawful-request API: agency isolation per route, the workflow over HTTP, the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.auth import users
from counterspy.legal import agencies, workflow
from counterspy.legal.policy import default_policy
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

WARRANT = {
    "process": "search_warrant",
    "country": "US",
    "categories": ["subscriber", "content"],
    "accounts": ["acct-1", "acct-2"],
    "legal_basis_ref": "Warrant 26-MJ-0042",
}


@dataclass
class Env:
    client: TestClient
    h: dict[str, dict[str, str]]  # user → auth header
    ws: Workspace
    store: Store


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    ws = Workspace(tmp_path / "home")
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store.engine)
    people = {
        "agent-a": ("agency", "agency-a"),
        "agent-b": ("agency", "agency-b"),
        "agent-c": ("agency", "agency-c"),  # agency registered but never verified
        "rev": ("reviewer", None),
        "senior": ("reviewer", None),
        "aud": ("auditor", None),
        "adm": ("admin", None),
    }
    h = {}
    with store.session() as s:
        for agency_id, email in (
            ("agency-a", "lr@fbi.gov"),
            ("agency-b", "lr@dea.gov"),
            ("agency-c", "x@example.com"),
        ):
            agencies.register_agency(
                s,
                agency_id=agency_id,
                name=agency_id,
                country="US",
                email=email,
                actor="t",
                policy=default_policy(),
            )
            if agency_id != "agency-c":
                agencies.record_callback(
                    s,
                    agency_id=agency_id,
                    number="+1 202 555 0199",
                    source="usa.gov",
                    confirmed=True,
                    actor="t",
                )
        for name, (role, org) in people.items():
            users.create_user(s, name=name, role=role, actor="t", organisation=org)
            _, token = users.issue_token(s, name=name, actor="t")
            h[name] = {"Authorization": f"Bearer {token}"}
    app = create_app(ws, store=store)
    with TestClient(app) as client:
        yield Env(client, h, ws, store)
    store.dispose()


def _submit(env: Env, who: str = "agent-a", **changes: object) -> int:
    resp = env.client.post("/v1/legal/requests", headers=env.h[who], json=WARRANT | changes)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def _upload(env: Env, rid: int, who: str = "agent-a") -> int:
    resp = env.client.post(
        f"/v1/legal/own/requests/{rid}/documents",
        headers=env.h[who],
        files={"document": ("warrant.pdf", b"%PDF-1.7 signed warrant", "application/pdf")},
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


# Every agency-scoped route that takes a request id; the test below fails when a new one
# appears without being added here (and so without being checked).
OWN_ROUTES = {
    ("GET", "/v1/legal/own/requests/{request_id}"),
    ("GET", "/v1/legal/own/requests/{request_id}/status"),
    ("POST", "/v1/legal/own/requests/{request_id}/documents"),
    ("GET", "/v1/legal/own/requests/{request_id}/documents/{document_id}"),
}


def _call(env: Env, who: str, method: str, path: str, rid: int, did: int) -> int:
    url = path.replace("{request_id}", str(rid)).replace("{document_id}", str(did))
    if method == "POST" and url.endswith("/documents"):
        files = {"document": ("x.pdf", b"%PDF other", "application/pdf")}
        return env.client.post(url, headers=env.h[who], files=files).status_code
    return env.client.request(method, url, headers=env.h[who]).status_code


def test_agency_cannot_touch_another_agencys_request_on_any_route(env: Env) -> None:
    rid = _submit(env, "agent-a")
    did = _upload(env, rid)
    paths = env.client.get("/openapi.json").json()["paths"]
    own = {
        (m.upper(), p) for p, ops in paths.items() for m in ops if p.startswith("/v1/legal/own/")
    }
    with_ids = {(m, p) for m, p in own if "{request_id}" in p}
    staff = env.client.get(f"/v1/legal/requests/{rid}/documents/{did}", headers=env.h["aud"])
    assert staff.content == b"%PDF-1.7 signed warrant"
    assert staff.headers["content-disposition"].startswith("attachment")
    assert staff.headers["content-type"] == "application/octet-stream"
    assert with_ids == OWN_ROUTES
    for method, path in sorted(with_ids):
        assert _call(env, "agent-b", method, path, rid, did) == 404, (method, path)
        assert _call(env, "adm", method, path, rid, did) == 404, (method, path)  # no agency
        assert _call(env, "agent-a", method, path, rid, did) in (200, 201), (method, path)


def test_agency_lists_and_status_show_only_its_own_requests(env: Env) -> None:
    a1 = _submit(env, "agent-a")
    b1 = _submit(env, "agent-b")
    a2 = _submit(env, "agent-a", accounts=["acct-3"])
    mine = env.client.get("/v1/legal/own/requests", headers=env.h["agent-a"]).json()
    assert [r["id"] for r in mine] == [a2, a1]
    theirs = env.client.get("/v1/legal/own/requests", headers=env.h["agent-b"]).json()
    assert [r["id"] for r in theirs] == [b1]
    by_state = env.client.get(
        "/v1/legal/own/requests", headers=env.h["agent-b"], params={"state": "received"}
    ).json()
    assert [r["id"] for r in by_state] == [b1]
    assert env.client.get("/v1/legal/own/agency", headers=env.h["agent-a"]).json()["id"] == (
        "agency-a"
    )
    # Staff routes are closed to agencies; staff see everything.
    assert env.client.get("/v1/legal/requests", headers=env.h["agent-a"]).status_code == 403
    assert env.client.get(f"/v1/legal/requests/{b1}", headers=env.h["agent-a"]).status_code == 403
    every = env.client.get("/v1/legal/requests", headers=env.h["aud"]).json()
    assert {r["id"] for r in every} == {a1, a2, b1}


def test_agency_cannot_submit_for_another_agency_or_before_verification(env: Env) -> None:
    resp = env.client.post(
        "/v1/legal/requests", headers=env.h["agent-b"], json=WARRANT | {"agency": "agency-a"}
    )
    assert resp.status_code == 400
    resp = env.client.post("/v1/legal/requests", headers=env.h["agent-c"], json=WARRANT)
    assert resp.status_code == 409
    assert "AGENCY_NOT_VERIFIED" in resp.json()["detail"]
    # An admin entering a mailed request names the agency.
    assert (
        env.client.post("/v1/legal/requests", headers=env.h["adm"], json=WARRANT).status_code == 400
    )
    resp = env.client.post(
        "/v1/legal/requests", headers=env.h["adm"], json=WARRANT | {"agency": "agency-b"}
    )
    assert resp.status_code == 201
    assert resp.json()["agency_id"] == "agency-b"


def test_workflow_over_http(env: Env) -> None:
    rid = _submit(env, categories=["subscriber", "non_content", "content"])
    rev = env.h["rev"]
    base = f"/v1/legal/requests/{rid}"
    early = env.client.post(
        f"{base}/production",
        headers=rev,
        json={"categories": ["subscriber"], "accounts": ["acct-1"]},
    )
    assert early.status_code == 409
    assert "cannot become produced" in early.json()["detail"]
    assert (
        env.client.post(
            f"{base}/verification", headers=rev, json={"authentic": True, "note": "clerk confirmed"}
        ).json()["state"]
        == "under_review"
    )
    resp = env.client.post(f"{base}/decision", headers=rev, json={"decision": "approved"})
    assert resp.json()["state"] == "approved"
    resp = env.client.post(
        f"{base}/production",
        headers=rev,
        json={"categories": ["subscriber"], "accounts": ["acct-2"], "note": "BSI only"},
    )
    body = resp.json()
    assert body["state"] == "produced"
    assert body["produced_accounts"] == ["acct-2"]
    assert body["produced_categories"] == ["subscriber"]
    tasks = env.client.get("/v1/legal/tasks", headers=rev, params={"due": True}).json()
    assert [(t["request_id"], t["kind"]) for t in tasks] == [(rid, "user_notice")]
    done = env.client.post(
        f"/v1/legal/tasks/{tasks[0]['id']}/done", headers=rev, json={"outcome": "notice e-mailed"}
    )
    assert done.status_code == 200
    assert env.client.post(f"{base}/closure", headers=rev, json={}).json()["state"] == "closed"
    log = env.client.get(
        "/v1/audit", headers=env.h["adm"], params={"subject_id": f"LR-{rid}"}
    ).json()
    assert {e["actor"] for e in log} == {"agent-a", "rev"}
    assert len(log) == 7


def test_escalation_is_invisible_to_the_agency(env: Env) -> None:
    targets = env.ws.result_dir("targets")
    targets.mkdir(parents=True)
    pq.write_table(pa.table({"account_id": ["acct-2"]}), targets / "t.parquet")
    rid = _submit(env)
    staff = env.client.get(f"/v1/legal/requests/{rid}", headers=env.h["rev"]).json()
    assert staff["queue"] == "senior"
    assert "NOTIFIED_TARGET_ESCALATION" in {f["code"] for f in staff["findings"]}
    standard = env.client.get(
        "/v1/legal/requests", headers=env.h["rev"], params={"queue": "standard"}
    ).json()
    assert rid not in {r["id"] for r in standard}
    refused = env.client.post(
        f"/v1/legal/requests/{rid}/verification",
        headers=env.h["rev"],
        json={"authentic": True, "note": "ok"},
    )
    assert refused.status_code == 409
    with env.store.session() as s:
        workflow.designate_senior(s, name="senior", actor="adm")
    done = env.client.post(
        f"/v1/legal/requests/{rid}/verification",
        headers=env.h["senior"],
        json={"authentic": True, "note": "ok"},
    )
    assert done.json()["state"] == "escalated"
    status = env.client.get(f"/v1/legal/own/requests/{rid}/status", headers=env.h["agent-a"])
    assert status.json()["state"] == "under_review"
    own = env.client.get(f"/v1/legal/own/requests/{rid}", headers=env.h["agent-a"]).json()
    assert own["state"] == "under_review"
    assert own["queue"] == "standard"
    assert own["tasks"] == []
    assert "NOTIFIED_TARGET" not in str(own)


def test_agency_registration_over_http(env: Env) -> None:
    rev = env.h["rev"]
    body = {
        "id": "uk-nca",
        "name": "National Crime Agency",
        "country": "GB",
        "email": "lr@nca.gov.uk",
        "contact_phone": "+44 20 0000 0000",
    }
    made = env.client.post("/v1/legal/agencies", headers=rev, json=body)
    assert made.status_code == 201
    assert made.json()["domain_verified"] is True
    assert made.json()["status"] == "pending"
    dup = env.client.post("/v1/legal/agencies", headers=rev, json=body)
    assert dup.status_code == 409
    same = {"number": "+44 20 0000 0000", "source": "their letterhead", "confirmed": True}
    assert (
        env.client.post("/v1/legal/agencies/uk-nca/callback", headers=rev, json=same).status_code
        == 409
    )
    other = {
        "number": "+44 370 496 7622",
        "source": "nationalcrimeagency.gov.uk",
        "confirmed": True,
    }
    done = env.client.post("/v1/legal/agencies/uk-nca/callback", headers=rev, json=other)
    assert done.json()["status"] == "verified"
    bad = env.client.post(
        "/v1/legal/agencies", headers=rev, json=body | {"id": "x2", "country": "UK"}
    )
    assert bad.status_code == 400


def _form(env: Env, token_user: str | None, **fields: object) -> tuple[int, str]:
    data: dict[str, object] = {
        "process": "search_warrant",
        "country": "US",
        "categories": ["subscriber", "content"],
        "accounts": "acct-1\nacct-2\n",
        "legal_basis_ref": "Warrant 1",
    } | fields
    if token_user is not None:
        data["api_token"] = env.h[token_user]["Authorization"].split(" ", 1)[1]
    files = {"document": ("w.pdf", b"%PDF warrant", "application/pdf")}
    resp = env.client.post("/legal/requests", data=data, files=files)
    return resp.status_code, resp.text


def test_html_form_submits_as_the_tokens_agency(env: Env) -> None:
    page = env.client.get("/legal/request-form")
    assert page.status_code == 200
    assert 'name="api_token"' in page.text
    code, text = _form(env, "agent-a")
    assert code == 201, text
    rid = int(re.search(r"Request (\d+) received", text).group(1))  # type: ignore[union-attr]
    got = env.client.get(f"/v1/legal/own/requests/{rid}", headers=env.h["agent-a"]).json()
    assert got["accounts"] == ["acct-1", "acct-2"]
    assert len(got["documents"]) == 1
    assert (
        env.client.get(f"/v1/legal/own/requests/{rid}", headers=env.h["agent-b"]).status_code == 404
    )
    assert _form(env, None)[0] == 401
    assert _form(env, "rev")[0] == 403
    code, text = _form(env, "agent-c")
    assert code == 409
    assert "AGENCY_NOT_VERIFIED" in text
    code, text = _form(env, "agent-a", categories=[])
    assert code == 400
    assert "data category" in text
    assert 'name="api_token"' in text  # the form again, with the error
    code, text = _form(env, "agent-a", accounts="keyword:protest\n")
    assert code == 201
    assert "OVERBROAD_NOT_AN_ACCOUNT" in text


def test_html_form_escapes_what_it_echoes(env: Env) -> None:
    code, text = _form(env, "agent-a", country="<b>", accounts="<script>alert(1)</script>")
    assert code == 422 or "<script>alert(1)</script>" not in text
