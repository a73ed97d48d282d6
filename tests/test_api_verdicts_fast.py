"""The hand-parsed, hand-serialised ``POST /v1/verdicts`` keeps the contract: same verdicts as the
library, documented shapes, clear 413/422 errors, auth, and the server's heap settling."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import SERVER_GC_THRESHOLD, create_app, create_server_app
from counterspy.api.verdicts import MAX_BATCH, MAX_URL_CHARS, VerdictResponse, current_engine
from counterspy.auth.users import create_user, issue_token
from counterspy.infra.service import VerdictService
from counterspy.intel.importer import prepare_import
from counterspy.intel.store import add_block, apply_import
from counterspy.model.verdict import Verdict
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

MIXED = [
    "https://www.instagram.com/",
    "https://instagam.click/x",
    "https://evil-op.example/login",
    "https://cdn.evil-op.example/a.js",
    "https://facebook.com@evil-op.example/",
    "https://user:pw@example.org/",
    "http://[2001:db8::1]/x",
    "http://[::ffff:203.0.113.9]/",
    "http://203.0.113.77:8080/",
    "http://3232235777/",
    "https://bücher.de/",
    "HTTPS://WWW.EXAMPLE.COM:443/Path?q=1#f",
    "https://example.com/" + "a" * 100_000,
    "https://bit.ly/3xyz",
    "data:text/html,<script>alert(1)</script>",
    "javascript:alert(1)",
    "http://xn--zz.com",
    "https://blocked-now.example/",
    "",
    " ",
    "%%%",
    "\x00\x01\x7f",
    "http://",
    "::::",
    "💥🔥",
    'https://quote"and\\backslash.example/',
    "https://a..b.example/",
    "https://-x-.example/",
]


@pytest.fixture
def ws(home: Path, tmp_path: Path) -> Workspace:
    ws = Workspace.resolve(home)
    iocs = tmp_path / "iocs.txt"
    iocs.write_text("evil-op.example\n203.0.113.77\n2001:db8::/32\n", encoding="utf-8")
    store = open_store(ws)
    try:
        apply_import(store, prepare_import([iocs], source="test-feed"))
        add_block(store, "blocked-now.example", reason="kit seen in DMs", added_by="ana")
        with store.session() as s:
            create_user(s, name="partner", role="partner", organisation="p1", actor="test")
            create_user(s, name="aud", role="auditor", actor="test")
    finally:
        store.dispose()
    return ws


def _token(ws: Workspace, name: str) -> str:
    store = open_store(ws)
    try:
        with store.session() as s:
            return issue_token(s, name=name, actor="test")[1]
    finally:
        store.dispose()


@pytest.fixture
def client(ws: Workspace) -> TestClient:
    app = create_app(ws)
    app.state.verdict_service = VerdictService(ws, check_interval=0.0)
    return TestClient(app, headers={"Authorization": f"Bearer {_token(ws, 'partner')}"})


def _expected(v: Verdict) -> dict[str, object]:
    return {
        "url": v.url,
        "verdict": v.label.value,
        "actor": v.actor,
        "domain": v.domain,
        "reasons": [
            {
                "code": r.code,
                "detail": r.detail,
                "brand": r.brand,
                "indicator_source": r.indicator_source,
            }
            for r in v.reasons
        ],
    }


def test_same_verdicts_as_the_library(client: TestClient, ws: Workspace) -> None:
    urls = MIXED * 2  # the second copy is served from the memoised per-host pieces
    r = client.post("/v1/verdicts", json={"urls": urls})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    VerdictResponse.model_validate_json(r.content)  # the documented shape
    body = r.json()
    svc = VerdictService(ws)
    try:
        want = [_expected(v) for v in svc.engine().check_many(urls)]
        assert body["intel_version"] == svc.version
    finally:
        svc.close()
    assert body["verdicts"] == want
    labels = {v["verdict"] for v in body["verdicts"]}
    assert labels == {"malicious", "suspicious", "clean"}
    by_url = {v["url"]: v for v in body["verdicts"]}
    assert by_url["https://facebook.com@evil-op.example/"]["verdict"] == "malicious"
    assert by_url["http://[2001:db8::1]/x"]["reasons"][0]["code"] == "indicator.cidr"
    assert by_url["https://blocked-now.example/"]["reasons"][0]["code"] == "blocklist.domain"


def test_batch_limit_is_named(client: TestClient) -> None:
    assert client.post("/v1/verdicts", json={"urls": ["a.example"] * MAX_BATCH}).status_code == 200
    r = client.post("/v1/verdicts", json={"urls": ["a.example"] * (MAX_BATCH + 1)})
    assert r.status_code == 413
    assert "10,001" in r.json()["detail"]
    assert "limit is 10,000" in r.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "loc", "kind"),
    [
        ({"url": ["x"]}, ["body", "urls"], "missing"),
        ({"urls": "https://a.example/"}, ["body", "urls"], "list_type"),
        ({"urls": None}, ["body", "urls"], "list_type"),
        (["https://a.example/"], ["body"], "model_type"),
        ({"urls": ["https://a.example/", 5]}, ["body", "urls", 1], "string_type"),
        ({"urls": ["ok", "ok", {"u": 1}]}, ["body", "urls", 2], "string_type"),
        ({"urls": ["a", "b" * (MAX_URL_CHARS + 1)]}, ["body", "urls", 1], "string_too_long"),
    ],
)
def test_bad_shapes_name_the_field_or_item(
    client: TestClient, payload: object, loc: list[object], kind: str
) -> None:
    r = client.post("/v1/verdicts", json=payload)
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert [(e["loc"], e["type"]) for e in errors] == [(loc, kind)]
    assert errors[0]["msg"]


def test_bad_json_is_a_clear_422(client: TestClient) -> None:
    for raw in (b"{not json", b"", b'{"urls": ["\xff"]}'):
        r = client.post("/v1/verdicts", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422, raw
        (err,) = r.json()["detail"]
        assert err["type"] == "json_invalid"
        assert err["loc"][0] == "body"


def test_auth_is_enforced(ws: Workspace, client: TestClient) -> None:
    app = client.app
    anonymous = TestClient(app)
    r = anonymous.post("/v1/verdicts", json={"urls": ["https://a.example/"]})
    assert r.status_code == 401
    # authentication comes before the body is looked at
    assert anonymous.post("/v1/verdicts", content=b"{not json").status_code == 401
    auditor = TestClient(app, headers={"Authorization": f"Bearer {_token(ws, 'aud')}"})
    r = auditor.post("/v1/verdicts", json={"urls": ["https://a.example/"]})
    assert r.status_code == 403
    assert "verdicts:check" in r.json()["detail"]


def test_openapi_still_documents_request_and_response(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/v1/verdicts"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["urls"]
    assert body["properties"]["urls"]["items"] == {"type": "string", "maxLength": MAX_URL_CHARS}
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/VerdictResponse"}
    assert {"401", "403", "413", "422"} <= set(op["responses"])
    assert op["x-permission"] == "verdicts:check"


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restore_gc")
def test_server_app_settles_the_heap_once_per_engine(ws: Workspace) -> None:
    app = create_server_app()  # workspace from $COUNTERSPY_HOME (the home fixture)
    assert gc.get_threshold() == SERVER_GC_THRESHOLD
    first = app.state.settled_engine
    assert first is not None  # built before the first request
    assert gc.get_freeze_count() > 0
    svc = app.state.verdict_service
    svc.check_interval = 0.0
    assert current_engine(app.state, svc) is first
    store = open_store(ws)
    try:
        add_block(store, "later.example", reason="new", added_by="ana")
    finally:
        store.dispose()
    second = current_engine(app.state, svc)
    assert second is not first
    assert app.state.settled_engine is second
    assert second.verdict("https://later.example/").label.value == "malicious"
    svc.close()
