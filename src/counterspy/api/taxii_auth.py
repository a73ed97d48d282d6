"""Authentication, content negotiation and error format of the TAXII 2.1 routes.

Tokens come as ``Authorization: Bearer <token>`` (or ``Token <token>``, taxii2-client's
TokenAuth) or as HTTP Basic (user = the token's user name or prefix, password = the token),
because TAXII clients default to Basic. Errors are TAXII error messages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from counterspy.api.auth import get_store
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal, authenticate_token
from counterspy.storage.db import Store

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
_CHALLENGE = 'Basic realm="counterspy TAXII", Bearer'


class TaxiiError(Exception):
    """Answered as a TAXII 2.1 error message with this HTTP status."""

    def __init__(
        self, status: int, title: str, description: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description
        self.headers = headers or {}


class TaxiiResponse(JSONResponse):
    media_type = TAXII_MEDIA_TYPE


def error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TaxiiError)
    body: dict[str, str] = {"title": exc.title, "http_status": str(exc.status)}
    if exc.description:
        body["description"] = exc.description
    return TaxiiResponse(body, status_code=exc.status, headers=exc.headers)


def _token_from_header(header: str) -> tuple[str, str | None] | None:
    """(token, claimed user) from an Authorization header, or None when unusable."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() in ("bearer", "token") and value:
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (password, user) if sep and password else None
    return None


def taxii_reader(request: Request, store: Store = Depends(get_store)) -> Principal:
    header = request.headers.get("authorization")
    if not header:
        raise TaxiiError(
            401,
            "Authentication required",
            "send an API token (Bearer or Basic)",
            {"WWW-Authenticate": _CHALLENGE},
        )
    parsed = _token_from_header(header)
    principal = None
    if parsed is not None and len(parsed[0]) <= 200:
        token, user = parsed
        with store.session() as s:
            principal = authenticate_token(s, token)
        prefix = token.split("_")[1] if token.count("_") >= 2 else None
        if principal is not None and user is not None and user not in (principal.name, prefix):
            principal = None  # Basic auth: the user name must belong to the token
    if principal is None:
        raise TaxiiError(
            401,
            "Invalid credentials",
            "invalid, expired or revoked token",
            {"WWW-Authenticate": _CHALLENGE},
        )
    if not principal.can(Permission.TAXII_READ):
        raise TaxiiError(
            403,
            "Forbidden",
            f"requires permission 'taxii:read', which role {principal.role.value!r} does not have",
        )
    return principal


def _acceptable(accept: str) -> bool:
    for item in accept.split(","):
        media, *params = [p.strip().lower() for p in item.split(";")]
        if media in ("*/*", "application/*"):
            return True
        if media == "application/taxii+json":
            versions = [p.split("=", 1)[1] for p in params if p.startswith("version=")]
            if not versions or "2.1" in versions:
                return True
    return False


def taxii_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if accept and not _acceptable(accept):
        raise TaxiiError(406, "Not Acceptable", f"this server answers {TAXII_MEDIA_TYPE}")


def taxii_session(store: Store = Depends(get_store)) -> Iterator[Session]:
    with store.session() as s:
        yield s
