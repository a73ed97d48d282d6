"""``POST /v1/verdicts``: link verdicts for a batch of up to 10,000 URLs."""

from __future__ import annotations

import json
import threading
from json.encoder import encode_basestring_ascii
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from counterspy.api.auth import guarded
from counterspy.auth.roles import Permission
from counterspy.infra.service import VerdictService
from counterspy.model.verdict import Reason, Verdict

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
    """The response body of :class:`VerdictResponse`, assembled from memoised pieces."""
    enc = encode_basestring_ascii  # what json.dumps does for a str, without its call chain
    tail = _tail
    parts = ['{"url":' + enc(v.url) + tail(v) for v in verdicts]
    return '{"verdicts":[' + ",".join(parts) + '],"intel_version":' + str(intel_version) + "}"


_SERVICE_LOCK = threading.Lock()


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


@router.post(
    "/verdicts",
    response_model=VerdictResponse,
    **guarded(Permission.VERDICTS_CHECK, {413: {"description": f"more than {MAX_BATCH:,} URLs"}}),
)
def post_verdicts(
    body: VerdictRequest, service: Annotated[VerdictService, Depends(get_service)]
) -> Response:
    """Judge every URL; each verdict carries its reasons (which brand, which indicator)."""
    if len(body.urls) > MAX_BATCH:
        raise HTTPException(
            status_code=413, detail=f"batch of {len(body.urls):,} URLs; the limit is {MAX_BATCH:,}"
        )
    engine = service.engine()
    payload = verdicts_payload(engine.check_many(body.urls), service.version)
    return Response(payload, media_type="application/json")
