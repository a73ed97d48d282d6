"""Plumbing shared by console pages: the session dependency, per-page permission guards, CSRF
checks, templates and navigation.

Every console route declares what it needs with :func:`needs` (a permission, "signed in", or
"public"); the declaration is stored on the route (``openapi_extra``) so a test can walk every
route against every role, exactly like the API's role-matrix test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Path, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from counterspy.api.auth import get_store
from counterspy.auth.roles import Permission
from counterspy.console import sessions
from counterspy.console.sessions import ConsoleSession
from counterspy.storage.db import Store

SESSION_COOKIE = "counterspy_session"
LOGIN_CSRF_COOKIE = "counterspy_signin"
# Set to 1 behind a TLS-terminating proxy that does not pass X-Forwarded-Proto.
SECURE_COOKIE_ENV = "COUNTERSPY_CONSOLE_SECURE_COOKIES"
PUBLIC = "public"
SIGNED_IN = "signed-in"
ACCESS_KEY = "x-console-access"


# Row ids in paths: positive and within a 32-bit integer, like the store's keys (a larger
# number would overflow SQLite's integer and turn a typo into a server error).
def row_id() -> Any:
    """A fresh ``Path`` parameter per route (FastAPI binds each to its parameter's name)."""
    return Path(ge=1, le=2_147_483_647)


_env = Environment(
    loader=PackageLoader("counterspy.console", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    permissions: tuple[Permission, ...]  # any of them opens the page


# Planners and approvers both work on notification batches (the API splits list and approve).
NOTIFY_PAGES = (Permission.NOTIFY_PLAN, Permission.NOTIFY_APPROVE)

NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/console/", (Permission.CASES_READ,)),
    NavItem("Cases", "/console/cases", (Permission.CASES_READ,)),
    NavItem("Appeals", "/console/appeals", (Permission.CASES_READ,)),
    NavItem("Operations", "/console/operations", (Permission.CASES_READ,)),
    NavItem("Actions", "/console/actions", (Permission.CASES_READ,)),
    NavItem("Notifications", "/console/notifications", NOTIFY_PAGES),
    NavItem("Legal queue", "/console/legal", (Permission.LEGAL_READ_ALL,)),
    NavItem("My requests", "/console/legal/mine", (Permission.LEGAL_READ_OWN,)),
    NavItem("Indicators", "/console/intel", (Permission.INTEL_READ,)),
    NavItem("Audit log", "/console/audit", (Permission.AUDIT_READ,)),
)


class SignInRequiredError(Exception):
    """No live session: the handler redirects to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbiddenError(Exception):
    def __init__(self, session: ConsoleSession, detail: str) -> None:
        super().__init__(detail)
        self.session = session
        self.detail = detail


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get(SECURE_COOKIE_ENV) == "1"


def optional_session(request: Request, store: Store = Depends(get_store)) -> ConsoleSession | None:
    with store.session() as s:
        return sessions.lookup(s, request.cookies.get(SESSION_COOKIE))


def signed_in(
    request: Request, cs: ConsoleSession | None = Depends(optional_session)
) -> ConsoleSession:
    if cs is None:
        raise SignInRequiredError(request.url.path)
    return cs


def _require(permissions: tuple[Permission, ...]) -> Any:
    def check(cs: ConsoleSession = Depends(signed_in)) -> ConsoleSession:
        if not any(cs.principal.can(p) for p in permissions):
            names = " or ".join(repr(p.value) for p in permissions)
            raise PageForbiddenError(
                cs,
                f"This page needs the permission {names}, which the role "
                f"{cs.principal.role.value!r} does not have.",
            )
        return cs

    return check


async def _check_csrf(request: Request, cs: ConsoleSession = Depends(signed_in)) -> None:
    form = await request.form()  # cached: the handler's Form() parameters read the same one
    token = form.get("csrf_token")
    if not sessions.csrf_ok(cs.csrf_token, token if isinstance(token, str) else None):
        raise PageForbiddenError(
            cs, "The form's security token is missing or stale. Reload the page."
        )


def needs(
    access: Permission | tuple[Permission, ...] | str, *, form: bool = False
) -> dict[str, Any]:
    """Route keyword arguments: require ``access`` (a permission, any of several, SIGNED_IN or
    PUBLIC), and for a form POST (``form=True``) a valid CSRF token.

    The declaration is stored as text: a permission name, names joined by ``|``, or the
    SIGNED_IN / PUBLIC marker."""
    deps: list[Any] = []
    if isinstance(access, Permission):
        access = (access,)
    if isinstance(access, tuple):
        deps.append(Depends(_require(access)))
    elif access == SIGNED_IN:
        deps.append(Depends(signed_in))
    elif access != PUBLIC:
        raise ValueError(f"unknown console access {access!r}")
    if form:
        if access == PUBLIC:
            raise ValueError("public forms have their own CSRF defence")
        deps.append(Depends(_check_csrf))
    value = "|".join(p.value for p in access) if isinstance(access, tuple) else access
    return {
        "dependencies": deps,
        "include_in_schema": False,
        "openapi_extra": {ACCESS_KEY: value},
        "response_class": HTMLResponse,
    }


def nav_for(cs: ConsoleSession | None) -> list[NavItem]:
    if cs is None:
        return []
    return [n for n in NAV if any(cs.principal.can(p) for p in n.permissions)]


def render(
    request: Request,
    template: str,
    cs: ConsoleSession | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = _env.get_template(template).render(
        cs=cs,
        nav=nav_for(cs),
        path=request.url.path,
        csrf_token=cs.csrf_token if cs else "",
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def sign_in_url(next_path: str) -> str:
    return "/console/sign-in?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str:
    """Only same-site console paths: never an open redirect."""
    if value and value.startswith("/console/") and "\\" not in value and "//" not in value:
        return value
    return "/console/"
