"""Case forms beyond account review: infrastructure decisions (block or not, with a policy
reason code), split (selected accounts → a new case) and merge (this case into another).

Each form needs the same permission as its API route (``cases:review`` for infrastructure,
``cases:write`` for split and merge) and the console's CSRF token. Refusals by the cases library
(four-eyes rule, closed or unknown case) come back as the case page with the message."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.cases.codes import Use, reason_codes
from counterspy.cases.reshape import merge_cases, split_case
from counterspy.cases.review import review_infrastructure
from counterspy.cases.views import Decision, get_case
from counterspy.console.pages_cases import case_page
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, row_id, signed_in
from counterspy.errors import ConflictError, CounterspyError, NotFoundError

router = APIRouter(prefix="/console")


def status_of(exc: CounterspyError) -> int:
    """The HTTP status the API gives the same refusal."""
    if isinstance(exc, NotFoundError):
        return 404
    return 409 if isinstance(exc, ConflictError) else 400


def message_of(exc: CounterspyError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _attempt(
    request: Request,
    cs: ConsoleSession,
    session: Session,
    case_id: int,
    action: Callable[[], str],
) -> Response:
    """Run ``action`` (returns the redirect URL); on a refusal, the case page with the reason."""
    try:
        get_case(session, case_id)
    except NotFoundError as exc:
        return render(request, "not_found.html.j2", cs, status_code=404, detail=exc.message)
    try:
        url = action()
    except CounterspyError as exc:
        session.rollback()
        detail = get_case(session, case_id)
        return case_page(
            request, cs, session, detail, error=message_of(exc), status_code=status_of(exc)
        )
    return RedirectResponse(url, status_code=303)


def _decision(code: str) -> Decision:
    found = reason_codes().get(code)
    if found is None or not ({Use.APPROVE, Use.REJECT} & found.uses):
        raise CounterspyError("Pick a reason code.")
    return Decision.APPROVED if Use.APPROVE in found.uses else Decision.REJECTED


def _item(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition(":")
    if not sep or not value:
        raise CounterspyError(f"not an infrastructure item: {text[:80]!r}")
    return kind, value


@router.post("/cases/{case_id}/infrastructure", **needs(Permission.CASES_REVIEW, form=True))
def infrastructure(
    request: Request,
    case_id: int = row_id(),
    items: list[str] = Form(default=[]),
    reason_code: str = Form("", max_length=64),
    note: str = Form("", max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    def act() -> str:
        if not items:
            raise CounterspyError("Select at least one domain or IP address of this case.")
        decision = _decision(reason_code)
        result = review_infrastructure(
            session,
            case_id,
            decision=decision,
            reason_code=reason_code,
            actor=cs.principal.name,
            items=[_item(i) for i in items],
            note=note.strip() or None,
        )
        verb = "approved" if decision == Decision.APPROVED else "rejected"
        return f"/console/cases/{case_id}?done=infra-{verb}-{len(result.decided)}"

    return _attempt(request, cs, session, case_id, act)


@router.post("/cases/{case_id}/split", **needs(Permission.CASES_WRITE, form=True))
def split(
    request: Request,
    case_id: int = row_id(),
    accounts: list[str] = Form(default=[]),
    reason: str = Form("", max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    def act() -> str:
        if not accounts:
            raise CounterspyError("Select the accounts to move to a new case.")
        result = split_case(
            session, case_id, accounts=accounts, actor=cs.principal.name, reason=reason
        )
        return f"/console/cases/{case_id}?done=split-{result.case_id}"

    return _attempt(request, cs, session, case_id, act)


@router.post("/cases/{case_id}/merge", **needs(Permission.CASES_WRITE, form=True))
def merge(
    request: Request,
    case_id: int = row_id(),
    into: str = Form("", max_length=12),
    reason: str = Form("", max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    def act() -> str:
        target = int(into) if into.strip().isdigit() else 0
        if not 1 <= target <= 2_147_483_647:
            raise CounterspyError("Give the id of the case to merge this one into.")
        merge_cases(session, target, other=case_id, actor=cs.principal.name, reason=reason)
        return f"/console/cases/{target}?done=merged-{case_id}"

    return _attempt(request, cs, session, case_id, act)
