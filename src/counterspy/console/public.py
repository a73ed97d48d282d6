"""Public pages beside the console: how a targeted person checks a notice is genuine."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from counterspy.console.web import PUBLIC, needs, render

router = APIRouter()


@router.get("/verify-notice", **needs(PUBLIC))
def verify_notice(request: Request) -> Response:
    """How to tell a genuine security notice from a phishing copy (no sign-in, no data)."""
    return render(request, "verify_notice.html.j2", None)
