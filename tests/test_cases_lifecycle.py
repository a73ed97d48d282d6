"""Split/merge, appeals and reversal through the adapter, notify seams, crash and resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.cases import appeals, opening, reshape, review
from counterspy.cases.appeals import AppealDecision
from counterspy.cases.views import CaseState, Decision, get_case, list_cases
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.simplatform import PlatformState, serve_in_thread
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig
from counterspy.enforce.worker import Rollout, run_outbox
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.notify.models import AccountStateRow, TakedownRow
from counterspy.notify.planning import plan_batch
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace
from tests.cases_helpers import detected_workspace

SECRET = b"0123456789abcdef0123456789abcdef"
REPO = Path(__file__).resolve().parents[1]
OPENER, RITA, ROB = "ivan", "rita", "rob"


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return detected_workspace(tmp_path_factory.getbasetemp() / "cases-detected")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    with s.session() as session:
        for name, role in ((OPENER, "investigator"), (RITA, "reviewer"), (ROB, "reviewer")):
            users.create_user(session, name=name, role=role, actor="t")
    yield s
    s.dispose()


def _adapter(url: str) -> WebhookAdapter:
    return WebhookAdapter(
        WebhookConfig(url=url, secret=SECRET, backoff_base_s=0.0), sleep=lambda _s: None
    )


def _open_top(store: Store, ws: Workspace) -> tuple[int, list[str]]:
    with store.session() as s:
        opening.open_cases(s, ws, actor=OPENER)
        top = max(list_cases(s), key=lambda c: c.accounts)
        return top.id, [a.account_id for a in get_case(s, top.id).accounts]


def _approve(store: Store, case_id: int, accounts: list[str] | None = None) -> None:
    with store.session() as s:
        review.review_accounts(
            s, case_id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
            actor=RITA, accounts=accounts,
        )  # fmt: skip


def test_split_and_merge_carry_decisions_and_survive_reopening(
    store: Store, detected: Workspace
) -> None:
    case_id, members = _open_top(store, detected)
    _approve(store, case_id, members[:2])
    moved = [members[0], members[5]]  # one approved, one pending
    with store.session() as s:
        with pytest.raises(CounterspyError, match="some, not all"):
            reshape.split_case(s, case_id, accounts=members, actor=OPENER, reason="x")
        with pytest.raises(NotFoundError, match="not in case"):
            reshape.split_case(s, case_id, accounts=["nope"], actor=OPENER, reason="x")
        split = reshape.split_case(
            s, case_id, accounts=moved, actor="sam", reason="separate persona cluster"
        )
    with store.session() as s:
        new = get_case(s, split.case_id)
        old = get_case(s, case_id)
        assert sorted(a.account_id for a in new.accounts) == sorted(moved)
        decisions = {a.account_id: a.decision for a in new.accounts}
        assert decisions == {members[0]: Decision.APPROVED, members[5]: Decision.PENDING}
        assert new.summary.split_from == case_id
        assert len(old.accounts) == len(members) - 2
        # whoever split the case may not approve it
        with pytest.raises(ConflictError, match="may not approve"):
            review.review_accounts(
                s, split.case_id, decision=Decision.APPROVED,
                reason_code="surveillance-for-hire", actor="sam",
            )  # fmt: skip
    with store.session() as s:  # detection re-run: the moved accounts stay where they are
        again = opening.open_cases(s, detected, actor=OPENER)
        assert again.created == ()
        assert len(get_case(s, split.case_id).accounts) == 2
    with store.session() as s:
        merged = reshape.merge_cases(s, case_id, other=split.case_id, actor=OPENER, reason="same")
        assert merged.accounts_moved == 2
    with store.session() as s:
        back = get_case(s, case_id)
        gone = get_case(s, split.case_id)
        assert sorted(a.account_id for a in back.accounts) == sorted(members)
        assert {a.account_id for a in back.accounts if a.decision == Decision.APPROVED} == set(
            members[:2]
        )
        assert gone.summary.state == CaseState.CLOSED
        assert gone.summary.merged_into == case_id
        with pytest.raises(ConflictError, match="closed"):
            reshape.merge_cases(s, case_id, other=split.case_id, actor=OPENER, reason="again")
        actions = outbox.list_actions(s)
        assert sorted(a.target for a in actions) == sorted(members[:2])
        assert audit.verify(s).ok


def test_appeal_goes_to_another_reviewer_and_reinstates_once_through_the_adapter(
    store: Store, detected: Workspace
) -> None:
    case_id, members = _open_top(store, detected)
    op_id = get_case_op(store, case_id)
    _approve(store, case_id)
    state = PlatformState(secret=SECRET)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        first = run_outbox(store, adapter, rollout=Rollout(limit=len(members) - 1))
        assert first.acked == len(members) - 1
        with store.session() as s:  # one disable still undelivered: takedown not complete
            assert s.get(TakedownRow, op_id) is None
        rest = run_outbox(store, adapter)
        assert rest.acked == 1
        with store.session() as s:
            assert s.get(TakedownRow, op_id) is not None
            disabled = s.execute(
                select(AccountStateRow.account_id).where(AccountStateRow.disabled.is_(True))
            ).scalars()
            assert sorted(disabled) == sorted(members)
            # notification planning now works off real enforcement: the op's targets are eligible
            planned = plan_batch(s, detected, actor=ROB)
            assert planned.notices > 0
            assert planned.operators_skipped == 0
        appellant = members[3]
        with store.session() as s:
            appeal = appeals.file_appeal(
                s, account_id=appellant, statement="I run a press-freedom NGO", filed_by=OPENER
            )
            assert appeal.assignee == ROB
            assert appeal.original_approver == RITA
            with pytest.raises(ConflictError, match="still open"):
                appeals.file_appeal(s, account_id=appellant, statement="again", filed_by=OPENER)
            with pytest.raises(ConflictError, match="cannot review its appeal"):
                appeals.file_appeal(
                    s, account_id=members[4], statement="x", filed_by=OPENER, assignee=RITA
                )
        with store.session() as s, pytest.raises(ConflictError, match="approved the original"):
            appeals.decide_appeal(
                s, appeal.id, decision=AppealDecision.REINSTATED,
                reason_code="appeal-new-evidence", actor=RITA,
            )  # fmt: skip
        with store.session() as s:
            with pytest.raises(CounterspyError, match="valid to reinstate"):
                appeals.decide_appeal(
                    s, appeal.id, decision=AppealDecision.REINSTATED,
                    reason_code="surveillance-for-hire", actor=ROB,
                )  # fmt: skip
            done = appeals.decide_appeal(
                s, appeal.id, decision=AppealDecision.REINSTATED,
                reason_code="appeal-new-evidence", actor=ROB, note="verified NGO staff",
            )  # fmt: skip
            assert done.action_id is not None
        for _ in range(2):  # deciding (and delivering) again changes nothing
            with store.session() as s:
                again = appeals.decide_appeal(
                    s, appeal.id, decision=AppealDecision.REINSTATED,
                    reason_code="appeal-new-evidence", actor=ROB,
                )  # fmt: skip
                assert again.action_id == done.action_id
            run_outbox(store, adapter)
        with store.session() as s, pytest.raises(ConflictError, match="already decided"):
            appeals.decide_appeal(
                s, appeal.id, decision=AppealDecision.UPHELD,
                reason_code="appeal-denied-evidence-stands", actor=ROB,
            )  # fmt: skip
    mine = [(a["action"], a["target"]) for a in state.applications if a["target"] == appellant]
    assert mine == [("disable_account", appellant), ("reinstate_account", appellant)]
    assert Counter(a["target"] for a in state.applications if a["action"] == "disable_account") == (
        dict.fromkeys(members, 1)
    )
    assert state.accounts[appellant] == "active"
    with store.session() as s:
        assert s.get(AccountStateRow, appellant).disabled is False  # type: ignore[union-attr]
        acct = next(a for a in get_case(s, case_id).accounts if a.account_id == appellant)
        assert acct.decision == Decision.REINSTATED
        assert acct.action_status == ActionStatus.ACKED
        kinds = Counter(i.kind for i in outbox.list_actions(s))
        assert kinds == {ActionKind.DISABLE_ACCOUNT: len(members), ActionKind.REINSTATE_ACCOUNT: 1}
        assert audit.verify(s).ok


def get_case_op(store: Store, case_id: int) -> str:
    with store.session() as s:
        (op,) = get_case(s, case_id).summary.operations
        return op


def test_reinstating_before_delivery_cancels_the_disable(store: Store, detected: Workspace) -> None:
    case_id, members = _open_top(store, detected)
    _approve(store, case_id, members[:1])
    with store.session() as s:
        appeal = appeals.file_appeal(s, account_id=members[0], statement="x", filed_by=OPENER)
        done = appeals.decide_appeal(
            s, appeal.id, decision=AppealDecision.REINSTATED,
            reason_code="false-positive-confounder", actor=ROB,
        )  # fmt: skip
        assert done.action_id is None
        assert [i.status for i in outbox.list_actions(s)] == [ActionStatus.CANCELLED]
        with pytest.raises(ConflictError, match="no approved action"):
            appeals.file_appeal(s, account_id=members[1], statement="x", filed_by=OPENER)


def _worker_cmd(url: str, secret_file: Path, home: Path) -> list[str]:
    return [
        sys.executable, "-m", "counterspy", "actions", "run", "--home", str(home),
        "--platform-url", url, "--secret-file", str(secret_file),
        "--lease-seconds", "1", "--batch-size", "3",
    ]  # fmt: skip


@pytest.mark.slow
def test_crash_mid_batch_after_case_approval_disables_each_approved_account_once(
    store_url: str, store: Store, detected: Workspace, tmp_path: Path
) -> None:
    case_id, members = _open_top(store, detected)
    rejected = members[0]
    with store.session() as s:
        review.review_accounts(
            s, case_id, decision=Decision.REJECTED, reason_code="false-positive-confounder",
            actor=RITA, accounts=[rejected],
        )  # fmt: skip
    _approve(store, case_id)  # every other account, in one bulk decision
    approved = sorted(members[1:])
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COUNTERSPY_DATABASE_URL": store_url,
           "COUNTERSPY_ACTOR": "worker-test"}  # fmt: skip
    state = PlatformState(secret=SECRET, delay_s=0.3)
    with serve_in_thread(state) as url:
        proc = subprocess.Popen(
            _worker_cmd(url, secret_file, tmp_path / "home"),
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while len(state.applications) < 8 and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_after = len(state.applications)
        assert 8 <= killed_after < len(approved), "the kill must land mid-batch"
        state.delay_s = 0.0
        with store.session() as s:
            assert s.get(TakedownRow, get_case_op_in(s, case_id)) is None
        time.sleep(1.2)  # the dead worker's lease runs out
        with _adapter(url) as adapter:
            resumed = run_outbox(store, adapter, rollout=Rollout(lease=timedelta(seconds=5)))
        assert resumed.failed == 0
    applied = Counter(a["target"] for a in state.applications)
    assert sorted(applied) == approved
    assert set(applied.values()) == {1}
    assert rejected not in state.accounts
    with store.session() as s:
        assert s.get(TakedownRow, get_case_op_in(s, case_id)) is not None
        statuses = Counter(i.status for i in outbox.list_actions(s))
        assert statuses == {ActionStatus.ACKED: len(approved)}
        assert audit.verify(s).ok


def get_case_op_in(session: Session, case_id: int) -> str:
    (op,) = get_case(session, case_id).summary.operations
    return op
