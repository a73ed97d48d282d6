"""Bearer-token authentication and permission guards for API routes.

Routes declare the permission they need with :func:`guarded`; the permission is also written
into the OpenAPI document (``x-permission``) so the role-matrix test can check every route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal, authenticate_token
from counterspy.storage.db import Store

_bearer = HTTPBearer(auto_error=False, description="API token from `counterspy users token`")


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def db_session(store: Store = Depends(get_store)) -> Iterator[Session]:
    """A session per request: commits when the handler returns, rolls back on error."""
    with store.session() as s:
        yield s


def current_principal(
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
    store: Store = Depends(get_store),
) -> Principal:
    if creds is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with store.session() as s:
        principal = authenticate_token(s, creds.credentials)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="invalid, expired or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require(permission: Permission) -> Callable[..., Principal]:
    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.can(permission):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"requires permission {permission.value!r}, "
                f"which role {principal.role.value!r} does not have",
            )
        return principal

    return check


def guarded(
    permission: Permission, responses: dict[int | str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: enforce ``permission`` and document it."""
    return {
        "dependencies": [Depends(require(permission))],
        "openapi_extra": {"x-permission": permission.value},
        "responses": {
            401: {"description": "Missing, invalid, expired or revoked token"},
            403: {"description": f"Caller lacks permission {permission.value!r}"},
            **(responses or {}),
        },
    }
