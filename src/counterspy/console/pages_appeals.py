"""Appeals in the console: the list (open / decided), filing an appeal for a disabled account
(staff record it on the owner's behalf; ``cases:write``) and deciding one (uphold, or reinstate
through the outbox; ``cases:review``). The cases library enforces that neither the assignee nor
the decider is the reviewer who approved the original action; its refusal is shown on the page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.cases import appeals
from counterspy.cases.codes import Use
from counterspy.cases.views import AppealState
from counterspy.console.pages_cases import codes_for
from counterspy.console.pages_casework import message_of, status_of
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, row_id, signed_in
from counterspy.errors import CounterspyError

router = APIRouter(prefix="/console")
DONE = {
    "filed": "Appeal {n} filed and assigned.",
    "upheld": "Appeal {n} decided: the action stands.",
    "reinstated": "Appeal {n} decided: the account is reinstated (reversal queued).",
}
MAX_ROWS = 500


def _done(done: str | None) -> str | None:
    kind, _, n = (done or "").rpartition("-")
    text = DONE.get(kind)
    return text.format(n=n) if text is not None and n.isdigit() else None


def _page(
    request: Request,
    cs: ConsoleSession,
    session: Session,
    *,
    state: AppealState | None = None,
    done: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "appeals.html.j2",
        cs,
        status_code=status_code,
        appeals=appeals.list_appeals(session, state=state, limit=MAX_ROWS),
        state=state.value if state else "",
        states=[s.value for s in AppealState],
        can_file=cs.principal.can(Permission.CASES_WRITE),
        can_decide=cs.principal.can(Permission.CASES_REVIEW),
        uphold_codes=codes_for(Use.UPHOLD),
        reinstate_codes=codes_for(Use.REINSTATE),
        done=_done(done),
        error=error,
        form=form or {},
        max_rows=MAX_ROWS,
    )


@router.get("/appeals", **needs(Permission.CASES_READ))
def appeal_list(
    request: Request,
    state: AppealState | None = Query(default=None),
    done: str | None = Query(default=None, max_length=40),
    account: str = Query(default="", max_length=200),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    """``?account=`` fills in the filing form (the case page links here for approved accounts)."""
    return _page(request, cs, session, state=state, done=done, form={"account_id": account})


@router.post("/appeals", **needs(Permission.CASES_WRITE, form=True))
def appeal_file(
    request: Request,
    account_id: str = Form("", max_length=200),
    statement: str = Form("", max_length=10_000),
    assignee: str = Form("", max_length=200),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    form = {"account_id": account_id, "statement": statement, "assignee": assignee}
    try:
        if not account_id.strip():
            raise CounterspyError("Give the account id the appeal is about.")
        info = appeals.file_appeal(
            session,
            account_id=account_id.strip(),
            statement=statement,
            filed_by=cs.principal.name,
            assignee=assignee.strip() or None,
        )
    except CounterspyError as exc:
        session.rollback()
        return _page(
            request, cs, session, error=message_of(exc), form=form, status_code=status_of(exc)
        )
    return RedirectResponse(f"/console/appeals?done=filed-{info.id}", status_code=303)


@router.post("/appeals/{appeal_id}/decide", **needs(Permission.CASES_REVIEW, form=True))
def appeal_decide(
    request: Request,
    appeal_id: int = row_id(),
    decision: str = Form("", max_length=20),
    reason_code: str = Form("", max_length=64),
    note: str = Form("", max_length=4000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        try:
            chosen = appeals.AppealDecision(decision)
        except ValueError:
            raise CounterspyError("Choose uphold or reinstate.") from None
        info = appeals.decide_appeal(
            session,
            appeal_id,
            decision=chosen,
            reason_code=reason_code,
            actor=cs.principal.name,
            note=note.strip() or None,
        )
    except CounterspyError as exc:
        session.rollback()
        return _page(
            request,
            cs,
            session,
            error=f"Appeal {appeal_id}: {message_of(exc)}",
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/console/appeals?done={info.state.value}-{info.id}", status_code=303)
