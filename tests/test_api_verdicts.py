from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.auth.users import create_user, issue_token
from counterspy.infra.service import VerdictService
from counterspy.intel.store import add_block, remove_block
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace


@pytest.fixture
def client(home: Path) -> TestClient:
    ws = Workspace.resolve(home)
    app = create_app(ws)
    app.state.verdict_service = VerdictService(ws, check_interval=0.0)
    with app.state.store.session() as s:
        create_user(s, name="partner", role="partner", organisation="p1", actor="test")
        _, token = issue_token(s, name="partner", actor="test")
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_batch_verdicts_carry_reasons(client: TestClient) -> None:
    r = client.post(
        "/v1/verdicts",
        json={
            "urls": [
                "https://www.instagram.com/",
                "https://instagam.click/x",
                "javascript:alert(1)",
                "http://xn--zz.com",
            ]
        },
    )
    assert r.status_code == 200
    body = r.json()
    got = [(v["url"], v["verdict"], v["reasons"][0]["code"]) for v in body["verdicts"]]
    assert got == [
        ("https://www.instagram.com/", "clean", "clean.brand_domain"),
        ("https://instagam.click/x", "suspicious", "lookalike.omission"),
        ("javascript:alert(1)", "suspicious", "url.scheme"),
        ("http://xn--zz.com", "suspicious", "url.invalid_host"),
    ]
    assert body["verdicts"][1]["reasons"][0]["brand"] == "Instagram"


def test_blocklist_changes_apply_without_restart(client: TestClient, home: Path) -> None:
    url = "https://fresh-phish.example/login"
    assert (
        client.post("/v1/verdicts", json={"urls": [url]}).json()["verdicts"][0]["verdict"]
        == "clean"
    )
    store = open_store(Workspace.resolve(home))
    try:
        add_block(store, "fresh-phish.example", reason="kit seen in DMs", added_by="ana")
        after = client.post("/v1/verdicts", json={"urls": [url]}).json()
        assert after["verdicts"][0]["verdict"] == "malicious"
        assert after["verdicts"][0]["reasons"][0]["code"] == "blocklist.domain"
        remove_block(store, "fresh-phish.example")
        again = client.post("/v1/verdicts", json={"urls": [url]}).json()
        assert again["verdicts"][0]["verdict"] == "clean"
        assert again["intel_version"] > after["intel_version"]
    finally:
        store.dispose()


def test_batch_limit_and_validation(client: TestClient) -> None:
    ok = client.post("/v1/verdicts", json={"urls": ["a.example"] * 10_000})
    assert ok.status_code == 200
    assert len(ok.json()["verdicts"]) == 10_000
    too_many = client.post("/v1/verdicts", json={"urls": ["a.example"] * 10_001})
    assert too_many.status_code == 413
    assert client.post("/v1/verdicts", json={"url": "x"}).status_code == 422
    assert client.post("/v1/verdicts", json={"urls": [1, 2]}).status_code == 422
    assert client.post("/v1/verdicts", content=b"{not json").status_code == 422


def test_openapi_documents_the_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/verdicts" in schema["paths"]
    assert client.get("/healthz").json()["status"] == "ok"


def test_expired_blocklist_entries_stop_matching(home: Path) -> None:
    from datetime import UTC, datetime, timedelta

    ws = Workspace.resolve(home)
    svc = VerdictService(ws, check_interval=0.0)
    store = open_store(ws)
    try:
        add_block(
            store,
            "short-lived.example",
            reason="test",
            added_by="ana",
            expires=datetime.now(UTC) + timedelta(seconds=1),
        )
        assert svc.engine().verdict("short-lived.example").label.value == "malicious"
        add_block(
            store,
            "gone.example",
            reason="test",
            added_by="ana",
            expires=datetime.now(UTC) - timedelta(seconds=1),
        )
        assert svc.engine().verdict("gone.example").label.value == "clean"
        import time

        time.sleep(1.1)
        assert svc.engine().verdict("short-lived.example").label.value == "clean"
    finally:
        store.dispose()
        svc.close()
