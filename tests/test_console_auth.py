"""Console sign-in, sessions and CSRF: the good path and every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from counterspy.api.app import create_app
from counterspy.audit.models import AuditRow
from counterspy.auth import users
from counterspy.auth.roles import Role
from counterspy.console import sessions
from counterspy.console.models import ConsoleSessionRow
from counterspy.console.web import SECURE_COOKIE_ENV, SESSION_COOKIE
from counterspy.enforce.models import EnforcementActionRow
from tests.console_fixtures import (
    PASSWORD,
    ConsoleEnv,
    clone_env,
    csrf_token,
    login_token,
    make_console_env,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    return make_console_env(tmp_path_factory.mktemp("console"))


@pytest.fixture
def env(template: ConsoleEnv, tmp_path: Path) -> Iterator[ConsoleEnv]:
    e = clone_env(template, tmp_path)
    yield e
    e.store.dispose()


@pytest.fixture
def client(env: ConsoleEnv) -> Iterator[TestClient]:
    with TestClient(create_app(env.workspace, store=env.store)) as c:
        yield c


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_: str = "/console/"):  # type: ignore[no-untyped-def]
    form = client.get("/console/sign-in")
    return client.post(
        "/console/sign-in",
        data={
            "name": name,
            "password": password,
            "login_token": login_token(form.text),
            "next": next_,
        },
        follow_redirects=False,
    )


def _count(env: ConsoleEnv, model: type, **where: str) -> int:
    with env.store.session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.execute(q).scalar_one())


def test_anonymous_is_sent_to_sign_in(client: TestClient) -> None:
    resp = client.get("/console/cases/1", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/sign-in?next=/console/cases/1"


def test_sign_in_sets_a_strict_httponly_cookie_and_lands_on_next(client: TestClient) -> None:
    resp = sign_in(client, "u-reviewer", next_="/console/cases/1")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/cases/1"
    cookie = next(
        v for k, v in resp.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http in tests
    page = client.get("/console/")
    assert page.status_code == 200
    assert "u-reviewer" in page.text


def test_cookies_are_secure_over_https_or_when_configured(
    env: ConsoleEnv, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(env.workspace, store=env.store), base_url="https://cs") as tls:
        resp = sign_in(tls, "u-reviewer")
    cookie = next(
        v for k, v in resp.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "Secure" in cookie
    assert "Secure" not in client.get("/console/sign-in").headers["set-cookie"]
    monkeypatch.setenv(SECURE_COOKIE_ENV, "1")  # TLS ends at a proxy in front
    assert "Secure" in client.get("/console/sign-in").headers["set-cookie"]


def test_session_id_is_stored_only_as_a_hash(client: TestClient, env: ConsoleEnv) -> None:
    sign_in(client, "u-reviewer")
    sid = client.cookies[SESSION_COOKIE]
    with env.store.session() as s:
        stored = s.execute(select(ConsoleSessionRow.id_hash)).scalars().all()
    assert len(stored) == 1
    assert sid not in stored[0]
    assert len(stored[0]) == 64


def test_wrong_password_and_unknown_user_are_refused_alike(client: TestClient) -> None:
    bad = sign_in(client, "u-reviewer", password="wrong password!")
    nobody = sign_in(client, "nobody", password="wrong password!")
    assert bad.status_code == nobody.status_code == 401
    assert "User name or password is not right" in bad.text
    assert SESSION_COOKIE not in client.cookies


def test_repeated_failures_lock_the_name(client: TestClient, env: ConsoleEnv) -> None:
    for _ in range(sessions.MAX_FAILURES):
        assert sign_in(client, "u-auditor", password="guess guess guess").status_code == 401
    locked = sign_in(client, "u-auditor")  # even the right password
    assert locked.status_code == 429
    assert SESSION_COOKIE not in client.cookies
    assert sign_in(client, "u-reviewer").status_code == 303  # other names are unaffected
    assert _count(env, AuditRow, action="console.sign_in_locked") == 1


def test_lockout_expires(client: TestClient, env: ConsoleEnv) -> None:
    from counterspy.console.models import LoginFailureRow

    for _ in range(sessions.MAX_FAILURES):
        sign_in(client, "u-auditor", password="guess guess guess")
    with env.store.session() as s:
        past = datetime.now(UTC) - sessions.LOCKOUT_WINDOW - timedelta(seconds=1)
        s.execute(update(LoginFailureRow).values(at=past))
    assert sign_in(client, "u-auditor").status_code == 303


def test_sign_in_without_the_form_token_is_refused(client: TestClient) -> None:
    resp = client.post(
        "/console/sign-in",
        data={"name": "u-reviewer", "password": PASSWORD, "login_token": "forged"},
        follow_redirects=False,
    )
    assert resp.status_code == 403
    assert SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_post_without_a_valid_csrf_token_is_refused(
    client: TestClient, env: ConsoleEnv, token: str | None
) -> None:
    sign_in(client, "u-reviewer")
    data = {"accounts": ["op1-a"], "reason_code": "surveillance-for-hire"}
    if token is not None:
        data["csrf_token"] = token
    resp = client.post("/console/cases/1/review", data=data, follow_redirects=False)
    assert resp.status_code == 403
    assert "security token" in resp.text
    assert _count(env, EnforcementActionRow) == 0


def test_post_with_the_csrf_token_is_accepted_and_audited(
    client: TestClient, env: ConsoleEnv
) -> None:
    sign_in(client, "u-reviewer")
    token = csrf_token(client.get("/console/cases/1").text)
    resp = client.post(
        "/console/cases/1/review",
        data={
            "accounts": ["op1-a", "op1-b"],
            "reason_code": "surveillance-for-hire",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert _count(env, EnforcementActionRow) == 2
    assert _count(env, AuditRow, action="action.approve") == 2
    assert _count(env, AuditRow, action="case.review") == 2


def test_another_sessions_token_does_not_work(env: ConsoleEnv) -> None:
    app = create_app(env.workspace, store=env.store)
    with TestClient(app) as first, TestClient(app) as second:
        sign_in(first, "u-reviewer")
        sign_in(second, "u-auditor")
        other = csrf_token(second.get("/console/cases/1").text)
        resp = first.post(
            "/console/cases/1/review",
            data={
                "accounts": ["op1-a"],
                "reason_code": "surveillance-for-hire",
                "csrf_token": other,
            },
            follow_redirects=False,
        )
    assert resp.status_code == 403
    assert _count(env, EnforcementActionRow) == 0


def test_cross_origin_post_is_refused(client: TestClient, env: ConsoleEnv) -> None:
    sign_in(client, "u-reviewer")
    token = csrf_token(client.get("/console/cases/1").text)
    resp = client.post(
        "/console/cases/1/review",
        data={"accounts": ["op1-a"], "reason_code": "surveillance-for-hire", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert resp.status_code == 403
    assert _count(env, EnforcementActionRow) == 0


def test_sign_out_ends_the_session_server_side(client: TestClient, env: ConsoleEnv) -> None:
    sign_in(client, "u-reviewer")
    sid = client.cookies[SESSION_COOKIE]
    token = csrf_token(client.get("/console/").text)
    out = client.post("/console/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set(SESSION_COOKIE, sid)  # a stolen copy of the cookie
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert _count(env, ConsoleSessionRow) == 0


def test_idle_and_disabled_sessions_end(client: TestClient, env: ConsoleEnv) -> None:
    sign_in(client, "u-reviewer")
    with env.store.session() as s:
        past = datetime.now(UTC) - sessions.IDLE_TIMEOUT * 2
        s.execute(update(ConsoleSessionRow).values(last_seen_at=past))
    assert client.get("/console/", follow_redirects=False).status_code == 303
    sign_in(client, "u-reviewer")
    assert client.get("/console/", follow_redirects=False).status_code == 200
    with env.store.session() as s:
        users.set_active(s, name="u-reviewer", active=False, actor="t", reason="left")
    assert client.get("/console/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "next_", ["//evil.example/x", "https://evil.example/", "/console//evil.example", "/\\evil"]
)
def test_next_cannot_leave_the_console(client: TestClient, next_: str) -> None:
    resp = sign_in(client, "u-reviewer", next_=next_)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/"


def test_pages_carry_security_headers(client: TestClient) -> None:
    sign_in(client, "u-reviewer")
    resp = client.get("/console/")
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_agency_user_lands_on_its_own_pages(client: TestClient) -> None:
    resp = sign_in(client, "u-agency")
    assert resp.headers["location"] == "/console/legal/mine"
    assert client.get("/console/", follow_redirects=False).status_code == 403
    assert Role.AGENCY.value in client.get("/console/account").text
