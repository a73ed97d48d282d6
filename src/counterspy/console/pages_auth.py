"""Sign-in, sign-out, the signed-in user's own page, and the dashboard."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session, get_store
from counterspy.auth.roles import Permission
from counterspy.console import sessions
from counterspy.console.overview import PHASES, build_dashboard
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import (
    LOGIN_CSRF_COOKIE,
    PUBLIC,
    SESSION_COOKIE,
    SIGNED_IN,
    nav_for,
    needs,
    optional_session,
    render,
    safe_next,
    secure_cookies,
    signed_in,
)
from counterspy.storage.db import Store

router = APIRouter(prefix="/console")


def _sign_in_page(
    request: Request, next_path: str, error: str | None, status_code: int, name: str = ""
) -> Response:
    token = secrets.token_urlsafe(32)
    resp = render(
        request,
        "sign_in.html.j2",
        None,
        status_code=status_code,
        login_token=token,
        next_path=next_path,
        error=error,
        name=name,
        lockout=sessions.MAX_FAILURES,
        lockout_minutes=int(sessions.LOCKOUT_WINDOW.total_seconds() // 60),
    )
    # Sign-in CSRF: a double-submit token (the form and a SameSite=Strict cookie must agree),
    # so another site cannot sign a browser in as the attacker.
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/console/sign-in",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return resp


@router.get("/sign-in", **needs(PUBLIC))
def sign_in_form(
    request: Request,
    next: str | None = None,
    cs: ConsoleSession | None = Depends(optional_session),
) -> Response:
    if cs is not None:
        return RedirectResponse(safe_next(next) if next else _home(cs), status_code=303)
    return _sign_in_page(request, safe_next(next), None, 200)


@router.post("/sign-in", **needs(PUBLIC))
def sign_in(
    request: Request,
    name: str = Form(..., max_length=120),
    password: str = Form(..., max_length=1000),
    login_token: str = Form("", max_length=100),
    next: str = Form("/console/", max_length=500),
    store: Store = Depends(get_store),
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not sessions.csrf_ok(cookie, login_token):
        return _sign_in_page(
            request, safe_next(next), "The sign-in form expired. Please try again.", 403, name
        )
    with store.session() as s:
        result = sessions.sign_in(
            s, name=name, password=password, user_agent=request.headers.get("user-agent")
        )
    if not result.ok:
        msg = (
            "Too many failed attempts for this user. Wait a few minutes, or ask an "
            "administrator to reset the password."
            if result.locked
            else "User name or password is not right."
        )
        return _sign_in_page(request, safe_next(next), msg, 429 if result.locked else 401, name)
    with store.session() as s:
        cs = sessions.lookup(s, result.session_id)
    target = safe_next(next) if next and next != "/console/" else _home(cs)
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        result.session_id or "",
        max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/sign-in")
    return resp


def _home(cs: ConsoleSession | None) -> str:
    items = nav_for(cs)
    return items[0].path if items else "/console/account"


@router.post("/sign-out", **needs(SIGNED_IN, form=True))
def sign_out(request: Request, session: Session = Depends(db_session)) -> Response:
    sessions.sign_out(session, request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/console/sign-in", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/account", **needs(SIGNED_IN))
def account(request: Request, cs: ConsoleSession = Depends(signed_in)) -> Response:
    perms = sorted(p.value for p in cs.principal.permissions)
    return render(request, "account.html.j2", cs, permissions=perms)


@router.get("/", **needs(Permission.CASES_READ))
def dashboard(
    request: Request,
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    board = build_dashboard(request.app.state.workspace, session, cs.principal)
    return render(request, "dashboard.html.j2", cs, board=board, phases=PHASES)
