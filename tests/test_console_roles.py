"""Every console route against every role: the same permission matrix as the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from counterspy.auth.roles import ROLE_PERMISSIONS, Permission, Role
from counterspy.console.app import ROUTERS
from counterspy.console.web import ACCESS_KEY, PUBLIC, SIGNED_IN
from tests.console_fixtures import (
    PASSWORD,
    ConsoleEnv,
    csrf_token,
    login_token,
    make_console_env,
    user_name,
)

# A real value for each path parameter, so allowed requests reach the handler.
PATH_VALUES = {
    "{case_id}": "1",
    "{operation_id}": "op-0001",
    "{action_id}": "1",
    "{batch_id}": "1",
    "{request_id}": "1",
    "{appeal_id}": "1",
}
# Signing out ends the session: walk it last.
LAST = "/console/sign-out"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleEnv]:
    e = make_console_env(tmp_path_factory.mktemp("roles"))
    yield e
    e.store.dispose()


def _api_routes() -> list[APIRoute]:
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def console_routes() -> list[tuple[str, str, str]]:
    out = []
    for route in _api_routes():
        access = (route.openapi_extra or {}).get(ACCESS_KEY)
        for method in sorted(route.methods):
            out.append((method, route.path, str(access)))
    return sorted(out, key=lambda r: (r[1] == LAST, r[1], r[0]))


def _url(path: str) -> str:
    for k, v in PATH_VALUES.items():
        path = path.replace(k, v)
    return path


def test_every_console_route_declares_its_access() -> None:
    routes = console_routes()
    assert len(routes) >= 5, "console routers are missing"
    undeclared = [(m, p) for m, p, access in routes if access == "None"]
    assert not undeclared, f"console routes without an access declaration: {undeclared}"
    valid = {PUBLIC, SIGNED_IN, *(p.value for p in Permission)}
    declared = {part for _, _, access in routes for part in access.split("|")}
    assert declared <= valid


def test_the_matrix_walks_the_case_workflow_forms() -> None:
    """New routes are found from the routers, with the API's permission for each."""
    walked = {(m, p): access for m, p, access in console_routes()}
    assert walked[("POST", "/console/cases/{case_id}/infrastructure")] == "cases:review"
    assert walked[("POST", "/console/cases/{case_id}/split")] == "cases:write"
    assert walked[("POST", "/console/cases/{case_id}/merge")] == "cases:write"
    assert walked[("GET", "/console/appeals")] == "cases:read"
    assert walked[("POST", "/console/appeals")] == "cases:write"
    assert walked[("POST", "/console/appeals/{appeal_id}/decide")] == "cases:review"
    unfilled = [p for _, p, _ in console_routes() if "{" in _url(p)]
    assert not unfilled, f"add a PATH_VALUES entry for {unfilled}"


def _allowed(access: str, role: Role | None) -> bool:
    if access == PUBLIC:
        return True
    if role is None:
        return False
    if access == SIGNED_IN:
        return True
    return any(Permission(p) in ROLE_PERMISSIONS[role] for p in access.split("|"))


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_console_role_matrix(env: ConsoleEnv, role: Role | None) -> None:
    failures = []
    with TestClient(create_app(env.workspace, store=env.store)) as client:
        token = ""
        if role is not None:
            form = client.get("/console/sign-in")
            signed = client.post(
                "/console/sign-in",
                data={
                    "name": user_name(role),
                    "password": PASSWORD,
                    "login_token": login_token(form.text),
                },
                follow_redirects=False,
            )
            assert signed.status_code == 303
            token = csrf_token(client.get("/console/account").text)
        for method, path, access in console_routes():
            data = {"csrf_token": token} if method == "POST" else None
            resp = client.request(method, _url(path), data=data, follow_redirects=False)
            allowed = _allowed(access, role)
            where = f"{method} {path} as {role.value if role else 'anonymous'}"
            if resp.status_code >= 500:
                failures.append(f"{where}: {resp.status_code}")
            elif allowed and resp.status_code in (401, 403):
                failures.append(f"{where}: refused ({resp.status_code})")
            elif not allowed and role is None and resp.status_code != 303:
                failures.append(f"{where}: got {resp.status_code}, want 303 to sign-in")
            elif not allowed and role is not None and resp.status_code != 403:
                failures.append(f"{where}: got {resp.status_code}, want 403")
    assert not failures, "\n".join(failures)


def test_agency_user_cannot_reach_analyst_pages(env: ConsoleEnv) -> None:
    with TestClient(create_app(env.workspace, store=env.store)) as client:
        form = client.get("/console/sign-in")
        client.post(
            "/console/sign-in",
            data={"name": "u-agency", "password": PASSWORD, "login_token": login_token(form.text)},
        )
        for path in (
            "/console/",
            "/console/cases/1",
            "/console/operations/op-0001",
            "/console/actions",
        ):
            resp = client.get(path)
            assert resp.status_code == 403, path
            assert "op1-a" not in resp.text
        nav = client.get("/console/account").text
        assert "/console/operations" not in nav
        assert "/console/audit" not in nav
