"""TAXII 2.1 server (read side): discovery, one API root, collections, objects, manifest and
versions, under ``/taxii2/``.

Callers authenticate with an API token, Bearer or HTTP Basic (see
:mod:`counterspy.api.taxii_auth`). Every route needs ``taxii:read``. Partners see only
collections their organisation is entitled to; any other collection is a 404 exactly like a
missing one. Adding objects over TAXII is not offered (collections are read-only,
``can_write: false``): ``POST .../objects/`` answers 403; publish with
``counterspy share publish``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from sqlalchemy.orm import Session

from counterspy import __version__
from counterspy.api.taxii_auth import (
    TAXII_MEDIA_TYPE,
    TaxiiError,
    TaxiiResponse,
    error_response,
    taxii_accept,
    taxii_reader,
    taxii_session,
)
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal
from counterspy.share import taxii_query as tq
from counterspy.share.access import record_access
from counterspy.share.collections import is_scoped, visible_collection, visible_collections
from counterspy.share.publish import STIX_MEDIA_TYPE
from counterspy.share.taxii_models import TaxiiCollection

API_ROOT = "share"
MAX_CONTENT_LENGTH = 16 * 1024 * 1024
access_log = logging.getLogger("counterspy.taxii.access")

router = APIRouter(prefix="/taxii2", tags=["taxii"])


def install(app: FastAPI) -> None:
    """Mount the TAXII routes and their error format on ``app``."""
    app.add_exception_handler(TaxiiError, error_response)
    app.include_router(router)


_ROUTE: dict[str, Any] = {
    "dependencies": [Depends(taxii_accept)],
    "openapi_extra": {"x-permission": Permission.TAXII_READ.value},
    "response_class": TaxiiResponse,
    "responses": {
        401: {"description": "Missing, invalid, expired or revoked token"},
        403: {"description": "Caller lacks permission 'taxii:read'"},
        404: {"description": "No such API root, collection or object (or not entitled)"},
        406: {"description": "Accept does not allow application/taxii+json;version=2.1"},
    },
}


def _root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise TaxiiError(404, "Unknown API root", f"this server has one API root: {API_ROOT}")


def _collection(session: Session, principal: Principal, api_root: str, cid: str) -> TaxiiCollection:
    _root(api_root)
    row = visible_collection(session, principal, cid)
    if row is None:
        raise TaxiiError(404, "Unknown collection", f"no collection {cid!r} for this caller")
    return row


def _resource(row: TaxiiCollection) -> dict[str, object]:
    out: dict[str, object] = {
        "id": row.id,
        "title": row.title,
        "can_read": row.can_read,
        "can_write": False,
        "media_types": [STIX_MEDIA_TYPE],
    }
    if row.description:
        out["description"] = row.description
    if row.alias:
        out["alias"] = row.alias
    return out


def _query(
    added_after: str | None,
    match_id: str | None,
    match_type: str | None,
    match_version: str | None,
    match_spec_version: str | None,
    limit: str | None,
    next_: str | None,
) -> tq.ObjectQuery:
    try:
        return tq.parse_query(
            added_after=added_after,
            match_id=match_id,
            match_type=match_type,
            match_version=match_version,
            match_spec_version=match_spec_version,
            limit=limit,
            next_=next_,
        )
    except tq.FilterError as exc:
        raise TaxiiError(400, "Bad filter", exc.message) from None


def _page_headers(page: tq.Page) -> dict[str, str]:
    if not page.items:
        return {}
    return {
        "X-TAXII-Date-Added-First": page.first_added or "",
        "X-TAXII-Date-Added-Last": page.last_added or "",
    }


def _log(
    request: Request, principal: Principal, what: str, row: TaxiiCollection, page: tq.Page
) -> None:
    """Partner reads go to the access trail (per day, user, collection) and the access logger."""
    if not is_scoped(principal) or not principal.organisation:
        return
    access_log.info(
        "%s (%s) %s %s: %d object(s)",
        principal.name,
        principal.organisation,
        what,
        row.id,
        len(page.items),
    )
    record_access(
        request.app.state.store,
        user=principal.name,
        organisation=principal.organisation,
        collection_id=row.id,
        objects=len(page.items),
    )


# Query parameters shared by the objects, object, manifest and versions routes.
AddedAfter = Query(None, alias="added_after", description="Only versions added after this time.")
Limit = Query(None, alias="limit", description=f"Page size (at most {tq.MAX_PAGE}).")
Next = Query(None, alias="next", description="The 'next' value of the previous page.")
MatchId = Query(None, alias="match[id]", description="Comma-separated STIX ids.")
MatchType = Query(None, alias="match[type]", description="Comma-separated STIX types.")
MatchVersion = Query(
    None, alias="match[version]", description="last (default), first, all, or timestamps."
)
MatchSpec = Query(None, alias="match[spec_version]", description="Comma-separated, e.g. 2.1.")


@router.get("/", summary="TAXII discovery", **_ROUTE)
def discovery(request: Request, principal: Principal = Depends(taxii_reader)) -> TaxiiResponse:
    root = str(request.base_url) + f"taxii2/{API_ROOT}/"
    return TaxiiResponse(
        {
            "title": "counterspy TAXII 2.1",
            "description": "Indicators of surveillance-for-hire operations, shared by TLP.",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get("/{api_root}/", summary="TAXII API root information", **_ROUTE)
def api_root_info(api_root: str, principal: Principal = Depends(taxii_reader)) -> TaxiiResponse:
    _root(api_root)
    return TaxiiResponse(
        {
            "title": "counterspy shared intelligence",
            "description": f"counterspy {__version__}",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": MAX_CONTENT_LENGTH,
        }
    )


@router.get("/{api_root}/collections/", summary="TAXII collections", **_ROUTE)
def collections(
    api_root: str,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> TaxiiResponse:
    _root(api_root)
    rows = visible_collections(session, principal)
    return TaxiiResponse({"collections": [_resource(r) for r in rows]} if rows else {})


@router.get("/{api_root}/collections/{collection_id}/", summary="TAXII collection", **_ROUTE)
def collection(
    api_root: str,
    collection_id: str,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> TaxiiResponse:
    return TaxiiResponse(_resource(_collection(session, principal, api_root, collection_id)))


def _envelope(page: tq.Page) -> Response:
    return Response(
        tq.envelope_json(page), media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page)
    )


@router.get(
    "/{api_root}/collections/{collection_id}/objects/", summary="TAXII get objects", **_ROUTE
)
def objects(
    request: Request,
    api_root: str,
    collection_id: str,
    added_after: str | None = AddedAfter,
    limit: str | None = Limit,
    next_: str | None = Next,
    match_id: str | None = MatchId,
    match_type: str | None = MatchType,
    match_version: str | None = MatchVersion,
    match_spec_version: str | None = MatchSpec,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> Response:
    row = _collection(session, principal, api_root, collection_id)
    q = _query(added_after, match_id, match_type, match_version, match_spec_version, limit, next_)
    page = tq.query_versions(session, row, q)
    _log(request, principal, "objects", row, page)
    return _envelope(page)


@router.post(
    "/{api_root}/collections/{collection_id}/objects/",
    summary="TAXII add objects (not offered: collections are read-only)",
    **_ROUTE,
)
def add_objects(
    api_root: str,
    collection_id: str,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> Response:
    _collection(session, principal, api_root, collection_id)
    raise TaxiiError(
        403,
        "Collection is read-only",
        "counterspy collections are filled with `counterspy share publish`, not over TAXII",
    )


@router.get(
    "/{api_root}/collections/{collection_id}/objects/{object_id}/",
    summary="TAXII get an object",
    **_ROUTE,
)
def one_object(
    request: Request,
    api_root: str,
    collection_id: str,
    object_id: str,
    added_after: str | None = AddedAfter,
    limit: str | None = Limit,
    next_: str | None = Next,
    match_version: str | None = MatchVersion,
    match_spec_version: str | None = MatchSpec,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> Response:
    row = _collection(session, principal, api_root, collection_id)
    q = _query(added_after, None, None, match_version, match_spec_version, limit, next_)
    if not tq.object_exists(session, row, object_id):
        raise TaxiiError(404, "Unknown object", f"no object {object_id!r} in this collection")
    page = tq.query_versions(session, row, q, object_id=object_id)
    _log(request, principal, "object", row, page)
    return _envelope(page)


@router.get(
    "/{api_root}/collections/{collection_id}/objects/{object_id}/versions/",
    summary="TAXII object versions",
    **_ROUTE,
)
def versions(
    request: Request,
    api_root: str,
    collection_id: str,
    object_id: str,
    added_after: str | None = AddedAfter,
    limit: str | None = Limit,
    next_: str | None = Next,
    match_spec_version: str | None = MatchSpec,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> Response:
    row = _collection(session, principal, api_root, collection_id)
    q = _query(added_after, None, None, None, match_spec_version, limit, next_)
    if not tq.object_exists(session, row, object_id):
        raise TaxiiError(404, "Unknown object", f"no object {object_id!r} in this collection")
    page = tq.query_versions(session, row, q, object_id=object_id, all_versions=True)
    _log(request, principal, "versions", row, page)
    body: dict[str, object] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["versions"] = [v.version for v in page.items]
    return Response(json.dumps(body), media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page))


@router.get("/{api_root}/collections/{collection_id}/manifest/", summary="TAXII manifest", **_ROUTE)
def manifest(
    request: Request,
    api_root: str,
    collection_id: str,
    added_after: str | None = AddedAfter,
    limit: str | None = Limit,
    next_: str | None = Next,
    match_id: str | None = MatchId,
    match_type: str | None = MatchType,
    match_version: str | None = MatchVersion,
    match_spec_version: str | None = MatchSpec,
    principal: Principal = Depends(taxii_reader),
    session: Session = Depends(taxii_session),
) -> Response:
    row = _collection(session, principal, api_root, collection_id)
    q = _query(added_after, match_id, match_type, match_version, match_spec_version, limit, next_)
    page = tq.query_versions(session, row, q)
    _log(request, principal, "manifest", row, page)
    body: dict[str, object] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.items:
        body["objects"] = tq.manifest_records(page.items)
    return Response(json.dumps(body), media_type=TAXII_MEDIA_TYPE, headers=_page_headers(page))
