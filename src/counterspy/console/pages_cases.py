"""Case pages on the cases library: the case list, one case with its evidence snapshot,
account–target graph and timeline, and the review form (approve or reject with a policy reason
code; approvals go to the enforcement outbox through ``review_accounts``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.cases.codes import Use, reason_codes
from counterspy.cases.review import review_accounts
from counterspy.cases.views import CaseDetail, CaseState, Decision, get_case, list_cases
from counterspy.console.casefile import graph_of, targets_of, timeline
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, row_id, signed_in
from counterspy.errors import ConflictError, CounterspyError, NotFoundError

router = APIRouter(prefix="/console")
DECISIONS = {"approve": Decision.APPROVED, "reject": Decision.REJECTED}


# ``?done=<kind>-<n>`` after a form: what the case page says (kind → text with {n}).
DONE_MESSAGES = {
    "approved": "Approved {n} account(s): disable actions queued for enforcement.",
    "rejected": "Rejected {n} account(s); recorded in the audit log.",
    "infra-approved": "Approved blocking {n} infrastructure item(s): block actions queued.",
    "infra-rejected": "Rejected {n} infrastructure item(s); recorded in the audit log.",
    "split": "Split off: the selected accounts moved to the new case {n}.",
    "merged": "Case {n} was merged into this case and closed.",
}


def done_message(done: str | None) -> str | None:
    if not done or "-" not in done:
        return None
    kind, _, n = done.rpartition("-")
    text = DONE_MESSAGES.get(kind)
    return text.format(n=n) if text is not None and n.isdigit() else None


def codes_for(use: Use) -> list[tuple[str, str]]:
    return sorted((c.code, c.description) for c in reason_codes().values() if use in c.uses)


def case_page(
    request: Request,
    cs: ConsoleSession,
    session: Session,
    detail: CaseDetail,
    *,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    ws = request.app.state.workspace
    show = cs.principal.can(Permission.TARGETS_READ)
    op_ids = tuple(o.operation_id for o in detail.operations)
    operators = [a.account_id for a in detail.accounts]
    try:
        targets = targets_of(ws, op_ids)
    except CounterspyError:  # detection results gone: the case keeps its own snapshot
        targets = ()
    signals = {a.account_id: a.signals for a in detail.accounts}
    return render(
        request,
        "case.html.j2",
        cs,
        status_code=status_code,
        case=detail,
        signals=signals,
        graph=graph_of(ws, operators, targets, show_targets=show),
        targets=targets if show else (),
        timeline=timeline(
            session, signals, targets if show else (), (("case", str(detail.summary.id)),)
        ),
        can_review=cs.principal.can(Permission.CASES_REVIEW),
        can_write=cs.principal.can(Permission.CASES_WRITE),
        can_targets=show,
        approve_codes=codes_for(Use.APPROVE),
        reject_codes=codes_for(Use.REJECT),
        done=done_message(done),
        error=error,
    )


@router.get("/cases", **needs(Permission.CASES_READ))
def cases(
    request: Request,
    state: CaseState | None = Query(default=None),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    rows = list_cases(session, state=state)
    return render(
        request,
        "cases.html.j2",
        cs,
        cases=rows,
        state=state.value if state else "",
        states=[s.value for s in CaseState],
    )


@router.get("/cases/{case_id}", **needs(Permission.CASES_READ))
def case(
    request: Request,
    case_id: int = row_id(),
    done: str | None = Query(default=None, max_length=40),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        detail = get_case(session, case_id)
    except NotFoundError as exc:
        return render(request, "not_found.html.j2", cs, status_code=404, detail=exc.message)
    return case_page(request, cs, session, detail, done=done)


@router.post("/cases/{case_id}/review", **needs(Permission.CASES_REVIEW, form=True))
def review(
    request: Request,
    case_id: int = row_id(),
    accounts: list[str] = Form(default=[]),
    reason_code: str = Form(..., max_length=64),
    note: str = Form("", max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        detail = get_case(session, case_id)
    except NotFoundError as exc:
        return render(request, "not_found.html.j2", cs, status_code=404, detail=exc.message)
    use = reason_codes().get(reason_code)
    decision = None
    if use is not None:
        decision = Decision.APPROVED if Use.APPROVE in use.uses else Decision.REJECTED
    error = None
    if not accounts:
        error = "Select at least one account of this case."
    elif decision is None or use is None or not ({Use.APPROVE, Use.REJECT} & use.uses):
        error = "Pick a reason code."
    if error is None and decision is not None:
        try:
            result = review_accounts(
                session,
                case_id,
                decision=decision,
                reason_code=reason_code,
                actor=cs.principal.name,
                accounts=accounts,
                note=note.strip() or None,
            )
        except CounterspyError as exc:
            session.rollback()
            code = 409 if isinstance(exc, ConflictError) else 400
            detail = get_case(session, case_id)
            hint = f" ({exc.hint})" if exc.hint else ""
            return case_page(
                request, cs, session, detail, error=exc.message + hint, status_code=code
            )
        verb = "approved" if decision == Decision.APPROVED else "rejected"
        return RedirectResponse(
            f"/console/cases/{case_id}?done={verb}-{len(result.decided)}", status_code=303
        )
    return case_page(request, cs, session, detail, error=error, status_code=400)
