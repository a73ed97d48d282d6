"""Dependencies and helpers shared by the lawful-request API and pages."""

from __future__ import annotations

from fastapi import Depends, Request, UploadFile
from fastapi.responses import Response

from counterspy.api.auth import current_principal
from counterspy.api.legal_schemas import RequestIn
from counterspy.auth.roles import Role
from counterspy.auth.users import Principal
from counterspy.errors import CounterspyError
from counterspy.legal.model import RequestDraft
from counterspy.legal.policy import LegalPolicy, load_policy
from counterspy.legal.requests import MAX_DOCUMENT_BYTES, Scope
from counterspy.legal.targets import NotifiedTargets, WorkspaceTargets


def get_policy(request: Request) -> LegalPolicy:
    state = request.app.state
    if getattr(state, "legal_policy", None) is None:
        state.legal_policy = load_policy(state.workspace.home)
    policy: LegalPolicy = state.legal_policy
    return policy


def get_targets(request: Request) -> NotifiedTargets:
    state = request.app.state
    if getattr(state, "legal_targets", None) is None:
        state.legal_targets = WorkspaceTargets(state.workspace)
    targets: NotifiedTargets = state.legal_targets
    return targets


def own_scope(principal: Principal = Depends(current_principal)) -> Scope:
    return Scope.agency(principal.organisation)


def submitting_agency(principal: Principal, named: str | None) -> str:
    """Agencies submit as themselves; staff (admins) entering a mailed request name the agency."""
    if principal.role is Role.AGENCY:
        if named is not None and named != principal.organisation:
            raise CounterspyError("an agency can only submit requests as itself")
        if principal.organisation is None:
            raise CounterspyError("this agency user has no organisation")
        return principal.organisation
    if named is None:
        raise CounterspyError("name the agency the request came from", hint='add "agency": ID')
    return named


def draft_from(body: RequestIn) -> RequestDraft:
    return RequestDraft(
        process=body.process,
        country=body.country,
        categories=frozenset(body.categories),
        accounts=tuple(body.accounts),
        legal_basis_ref=body.legal_basis_ref,
        emergency_risk=body.emergency_risk,
        emergency_imminent=body.emergency_imminent,
        emergency_justification=body.emergency_justification,
        nondisclosure=body.nondisclosure,
        nondisclosure_until=body.nondisclosure_until,
    )


async def read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CounterspyError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def download(data: bytes, filename: str, sha256: str) -> Response:
    # Always a download, never rendered: an uploaded file must not run in our origin.
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "document"
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": sha256,
        },
    )
