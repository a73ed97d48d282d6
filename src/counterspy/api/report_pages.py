"""The public threat report page: ``GET /threat-report`` (TLP:CLEAR edition, no login).

Rendered from the workspace's detection results and the store's enforcement state on request
and cached until one of them changes: the cache key holds the detection run's manifest time,
the intel version (blocklist and indicators), the enforcement outbox's latest change, the
workspace TLP policy file and the day (the page prints its date).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.enforce.models import EnforcementActionRow
from counterspy.intel.models import IntelState
from counterspy.report import build_report, render_html
from counterspy.share.tlp import Tlp
from counterspy.share.tlp_policy import WORKSPACE_FILE
from counterspy.workspace import Workspace

router = APIRouter(tags=["public pages"])

_NOT_YET = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Threat report</title></head><body><main><h1>Threat report</h1>
<p>No threat report has been published yet.</p></main></body></html>"""

_lock = threading.Lock()
_cache: dict[int, tuple[tuple[object, ...], str]] = {}


def _mtime(ws: Workspace, name: str) -> int:
    path = ws.results_dir / name if name != WORKSPACE_FILE else ws.home / name
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _key(ws: Workspace, session: Session, today: str) -> tuple[object, ...]:
    actions = session.execute(
        select(
            func.count(EnforcementActionRow.id),
            func.max(EnforcementActionRow.finished_at),
            func.max(EnforcementActionRow.decided_at),
        )
    ).one()
    intel = session.scalar(select(IntelState.version).where(IntelState.id == 1))
    return (
        str(ws.home),
        _mtime(ws, "detect.json"),
        _mtime(ws, WORKSPACE_FILE),
        intel,
        tuple(str(v) for v in actions),
        today,
    )


@router.get("/threat-report", response_class=HTMLResponse)
def threat_report(request: Request, session: Session = Depends(db_session)) -> HTMLResponse:
    """The public (TLP:CLEAR) threat report: aggregates only, no names of people."""
    ws: Workspace = request.app.state.workspace
    if not (ws.results_dir / "operations").is_dir():
        return HTMLResponse(_NOT_YET, status_code=404)
    today = datetime.now(UTC).date()
    key = _key(ws, session, today.isoformat())
    with _lock:
        hit = _cache.get(id(request.app))
    if hit is not None and hit[0] == key:
        html = hit[1]
    else:
        report = build_report(ws, session, tlp=Tlp.CLEAR, generated=today)
        html = render_html(report)
        with _lock:
            _cache[id(request.app)] = (key, html)
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )
