"""``POST /v1/verdicts``: link verdicts for a batch of up to 10,000 URLs."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import State

from counterspy.api.auth import guarded
from counterspy.auth.roles import Permission
from counterspy.infra.service import VerdictService
from counterspy.infra.verdict import VerdictEngine
from counterspy.model.verdict import Reason, Verdict, VerdictLabel

MAX_BATCH = 10_000
MAX_URL_CHARS = 131_072

router = APIRouter(prefix="/v1", tags=["verdicts"])


class VerdictRequest(BaseModel):
    urls: list[Annotated[str, Field(max_length=MAX_URL_CHARS)]] = Field(
        ..., description=f"URLs to judge (at most {MAX_BATCH:,})"
    )


class ReasonOut(BaseModel):
    code: str
    detail: str
    brand: str | None = None
    indicator_source: str | None = None


class VerdictOut(BaseModel):
    url: str
    verdict: str = Field(description="malicious, suspicious or clean")
    reasons: list[ReasonOut]
    actor: str | None = None
    domain: str | None = None


class VerdictResponse(BaseModel):
    verdicts: list[VerdictOut]
    intel_version: int = Field(description="store version the verdicts were computed against")


def verdict_json(v: Verdict) -> dict[str, object]:
    """The same shape as :class:`VerdictOut`, built without model validation (hot path)."""
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


_REASONS_JSON: dict[tuple[Reason, ...], str] = {}


def _reasons_json(reasons: tuple[Reason, ...]) -> str:
    """Serialised reasons, memoised: verdicts of one host share their reasons tuple."""
    text = _REASONS_JSON.get(reasons)
    if text is None:
        if len(_REASONS_JSON) > 100_000:
            _REASONS_JSON.clear()
        text = _REASONS_JSON[reasons] = json.dumps(
            [
                {
                    "code": r.code,
                    "detail": r.detail,
                    "brand": r.brand,
                    "indicator_source": r.indicator_source,
                }
                for r in reasons
            ],
            separators=(",", ":"),
        )
    return text


# (domain, id(reasons)) → (reasons, label, actor, text). Verdicts of one host share their
# reasons tuple, so identity is a cheap key (hashing Reason dataclasses is not); the entry keeps
# the tuple alive, and label and actor are compared, so a reused id can never return stale text.
_TAILS: dict[tuple[str | None, int], tuple[tuple[Reason, ...], str, str | None, str]] = {}


def _tail(v: Verdict) -> str:
    """Everything of a verdict's JSON object after the URL, memoised per host judgement."""
    reasons, label = v.reasons, v.label.value
    key = (v.domain, id(reasons))
    hit = _TAILS.get(key)
    if hit is not None and hit[0] is reasons and hit[1] == label and hit[2] == v.actor:
        return hit[3]
    if len(_TAILS) > 200_000:
        _TAILS.clear()
    dumps = json.dumps
    text = (
        f',"verdict":"{label}","actor":{dumps(v.actor)},"domain":{dumps(v.domain)},'
        f'"reasons":{_reasons_json(reasons)}}}'
    )
    _TAILS[key] = (reasons, label, v.actor, text)
    return text


def verdicts_payload(verdicts: list[Verdict], intel_version: int) -> str:
    """The response body of :class:`VerdictResponse`, assembled from memoised pieces: a batch
    keeps the last tail per host in a local dict (cheaper than :func:`_tail`'s checks for the
    many URLs of one host), checked by the identity of the host judgement's reasons."""
    enc = encode_basestring_ascii  # what json.dumps does for a str, without its call chain
    local: dict[str | None, tuple[tuple[Reason, ...], VerdictLabel, str | None, str]] = {}
    get = local.get
    parts: list[str] = []
    append = parts.append
    for v in verdicts:
        url, label, reasons, actor, domain = v
        hit = get(domain)
        if hit is None or hit[0] is not reasons or hit[1] is not label or hit[2] != actor:
            hit = local[domain] = (reasons, label, actor, _tail(v))
        append('{"url":' + enc(url) + hit[3])
    return '{"verdicts":[' + ",".join(parts) + '],"intel_version":' + str(intel_version) + "}"


_SERVICE_LOCK = threading.Lock()
_SETTLE_LOCK = threading.Lock()


def get_service(request: Request) -> VerdictService:
    """The app's verdict service, built on first use (once, even under concurrent requests)."""
    svc: VerdictService | None = getattr(request.app.state, "verdict_service", None)
    if svc is None:
        with _SERVICE_LOCK:
            svc = getattr(request.app.state, "verdict_service", None)
            if svc is None:
                svc = VerdictService(
                    request.app.state.workspace, store=getattr(request.app.state, "store", None)
                )
                request.app.state.verdict_service = svc
    return svc


def warm_up(app: FastAPI) -> None:
    """Build the app's verdict service and engine now rather than on the first request."""
    state = app.state
    svc = state.verdict_service = VerdictService(state.workspace, store=state.store)
    current_engine(state, svc)


def current_engine(app_state: State, service: VerdictService) -> VerdictEngine:
    """The service's engine. A server app (``app.state.settle_heap``, set by
    :func:`counterspy.api.app.create_server_app`) moves everything alive after each (re)build
    into the garbage collector's permanent generation: the indexes are millions of long-lived
    objects, and scanning them on every full collection cost more than judging the URLs."""
    engine = service.engine()
    if getattr(app_state, "settle_heap", False) and app_state.settled_engine is not engine:
        with _SETTLE_LOCK:
            if app_state.settled_engine is not engine:
                gc.unfreeze()
                app_state.settled_engine = engine  # the old engine becomes collectable
                gc.collect()
                gc.freeze()
    return engine


def _validation_error(errors: Sequence[Any]) -> RequestValidationError:
    return RequestValidationError(
        [{**dict(e), "loc": ("body", *e["loc"])} for e in errors]  # FastAPI's shape
    )


def parse_urls(body: bytes) -> list[str]:
    """The ``urls`` of a :class:`VerdictRequest` body. Well-formed batches are checked with a
    few C-level passes (orjson, ``map``); anything else is validated by the pydantic model, so
    errors name the field or item index and why, in FastAPI's 422 shape."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    urls = doc.get("urls") if type(doc) is dict else None
    if type(urls) is list:
        if len(urls) > MAX_BATCH:
            raise HTTPException(
                status_code=413,
                detail=f"batch of {len(urls):,} URLs; the limit is {MAX_BATCH:,} per request",
            )
        if set(map(type, urls)) <= {str} and max(map(len, urls), default=0) <= MAX_URL_CHARS:
            return urls
    try:
        return VerdictRequest.model_validate(doc).urls  # only reached for a bad body
    except ValidationError as exc:
        raise _validation_error(exc.errors(include_url=False)) from None


async def request_body(request: Request) -> bytes:
    return await request.body()


_ROUTE = guarded(
    Permission.VERDICTS_CHECK,
    {
        413: {"description": f"more than {MAX_BATCH:,} URLs, or a body over the size limit"},
        422: {
            "description": "Malformed body: the field or item index and why",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        },
    },
)
_ROUTE["openapi_extra"] = {
    **_ROUTE["openapi_extra"],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": VerdictRequest.model_json_schema()}},
    },
}


@router.post("/verdicts", response_model=VerdictResponse, **_ROUTE)
def post_verdicts(
    request: Request,
    body: Annotated[bytes, Depends(request_body)],
    service: Annotated[VerdictService, Depends(get_service)],
) -> Response:
    """Judge every URL; each verdict carries its reasons (which brand, which indicator).
    The body is parsed and the response assembled without per-item models (hot path); the
    schemas above are what both look like."""
    urls = parse_urls(body)
    engine = current_engine(request.app.state, service)
    payload = verdicts_payload(engine.check_many(urls), service.version)
    return Response(payload.encode(), media_type="application/json")
