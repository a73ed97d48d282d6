"""Every API route against every role: allowed exactly when the role has the route's permission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.auth import users
from counterspy.auth.roles import ROLE_PERMISSIONS, Permission, Role
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

# Routes any signed-in caller may use, and routes anyone may use.
AUTHENTICATED_ONLY = {"/v1/me"}
PUBLIC_PREFIXES = (
    "/healthz",
    "/openapi.json",
    "/docs",
    "/redoc",
    # The public transparency report (aggregates only) and the empty lawful-request form.
    "/transparency",
    "/legal/request-form",
    # The public threat report (TLP:CLEAR edition; targets only as suppressed aggregates).
    "/threat-report",
)


@pytest.fixture
def app_and_tokens(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(store.engine)
    tokens: dict[Role, str] = {}
    with store.session() as s:
        for role in Role:
            org = "org-" + role.value if role in (Role.PARTNER, Role.AGENCY) else None
            users.create_user(
                s, name=f"u-{role.value}", role=role.value, actor="t", organisation=org
            )
            _, tokens[role] = users.issue_token(s, name=f"u-{role.value}", actor="t")
    app = create_app(Workspace(tmp_path / "home"), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens
    store.dispose()


def _guarded_routes(client: TestClient) -> list[tuple[str, str, Permission | None]]:
    """Every operation of the OpenAPI document with the permission it declares."""
    out = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if path.startswith(PUBLIC_PREFIXES):
            continue
        for method, op in operations.items():
            perm = op.get("x-permission")
            out.append((method.upper(), path, Permission(perm) if perm else None))
    return out


def test_every_api_route_declares_a_permission(
    app_and_tokens: tuple[TestClient, dict[Role, str]],
) -> None:
    client, _ = app_and_tokens
    routes = _guarded_routes(client)
    assert routes
    unguarded = [(m, p) for m, p, perm in routes if perm is None and p not in AUTHENTICATED_ONLY]
    assert not unguarded, f"routes without x-permission: {unguarded}"


def test_role_matrix(app_and_tokens: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = app_and_tokens
    failures = []
    for method, path, perm in _guarded_routes(client):
        url = path.replace("{", "").replace("}", "")  # any value for path parameters
        for role, token in tokens.items():
            resp = client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, json={}
            )
            allowed = perm is None or perm in ROLE_PERMISSIONS[role]
            if resp.status_code >= 500:
                failures.append(f"{method} {path} as {role}: {resp.status_code}")
            elif allowed and resp.status_code in (401, 403):
                failures.append(f"{method} {path} as {role}: refused ({resp.status_code})")
            elif not allowed and resp.status_code != 403:
                failures.append(f"{method} {path} as {role}: got {resp.status_code}, want 403")
        anon = client.request(method, url, json={})
        if anon.status_code != 401:
            failures.append(f"{method} {path} anonymous: got {anon.status_code}, want 401")
    assert not failures, "\n".join(failures)


def test_revoked_and_garbage_tokens_are_refused(
    app_and_tokens: tuple[TestClient, dict[Role, str]],
) -> None:
    client, tokens = app_and_tokens
    admin = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
    auditor_token = tokens[Role.AUDITOR]
    prefix = auditor_token.split("_")[1]
    assert (
        client.get("/v1/me", headers={"Authorization": f"Bearer {auditor_token}"}).status_code
        == 200
    )
    assert client.delete(f"/v1/tokens/{prefix}", headers=admin).status_code == 204
    again = client.get("/v1/me", headers={"Authorization": f"Bearer {auditor_token}"})
    assert again.status_code == 401
    for junk in ("x", "cs_", "cs_nope_nope", auditor_token[:-1] + "A", "a" * 5000):
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {junk}"}).status_code == 401


def test_user_management_is_audited(app_and_tokens: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = app_and_tokens
    admin = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
    made = client.post("/v1/users", headers=admin, json={"name": "rita", "role": "reviewer"})
    assert made.status_code == 201
    dup = client.post("/v1/users", headers=admin, json={"name": "rita", "role": "reviewer"})
    assert dup.status_code == 409
    assert "already exists" in dup.json()["detail"]
    bad = client.post("/v1/users", headers=admin, json={"name": "x", "role": "superuser"})
    assert bad.status_code == 422
    tok = client.post("/v1/users/rita/tokens", headers=admin, json={"label": "laptop"})
    assert tok.status_code == 201
    rita = {"Authorization": f"Bearer {tok.json()['token']}"}
    assert client.get("/v1/me", headers=rita).json()["role"] == "reviewer"
    assert client.post("/v1/users/nobody/tokens", headers=admin, json={}).status_code == 404
    log = client.get("/v1/audit", headers=admin, params={"subject_id": "rita"}).json()
    assert [e["action"] for e in log] == ["token.issue", "user.create"]
    assert all(e["actor"] == "u-admin" for e in log)
    assert client.get("/v1/audit/verify", headers=admin).json()["ok"] is True


def test_partner_and_agency_users_need_an_organisation(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    with store.session() as s:
        for role in ("partner", "agency"):
            with pytest.raises(Exception, match="organisation"):
                users.create_user(s, name=f"x-{role}", role=role, actor="t")
    store.dispose()


def test_oversized_body_is_413(app_and_tokens: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = app_and_tokens
    resp = client.post(
        "/v1/users",
        headers={
            "Authorization": f"Bearer {tokens[Role.ADMIN]}",
            "Content-Type": "application/json",
        },
        content=b"x" * (17 * 1024 * 1024),
    )
    assert resp.status_code == 413


def test_token_last_use_is_recorded_at_most_once_a_minute(tmp_path: Path) -> None:
    from datetime import timedelta

    from counterspy.auth.models import TokenRow

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    with store.session() as s:
        users.create_user(s, name="ana", role="auditor", actor="t")
        _, secret = users.issue_token(s, name="ana", actor="t")
    with store.session() as s:
        assert users.authenticate_token(s, secret) is not None
    with store.session() as s:
        first = s.query(TokenRow).one().last_used_at
        assert first is not None
    with store.session() as s:  # a second call within the minute does not write
        users.authenticate_token(s, secret)
        assert s.query(TokenRow).one().last_used_at == first
        row = s.query(TokenRow).one()
        row.last_used_at = first - timedelta(minutes=2)
    with store.session() as s:  # an older last use is refreshed
        users.authenticate_token(s, secret)
        assert s.query(TokenRow).one().last_used_at > first - timedelta(minutes=2)
    store.dispose()
