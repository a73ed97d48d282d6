"""Cases: idempotent opening, evidence, bulk review and the outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from counterspy.audit import log as audit
from counterspy.cases import opening, review
from counterspy.cases.models import CaseAccountRow, CaseRow
from counterspy.cases.views import CaseState, Decision, get_case, list_cases
from counterspy.detect.results import read_result
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace
from tests.cases_helpers import copy_workspace, detected_workspace

OPENER = "ivan-investigator"
REVIEWER = "rita-reviewer"


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return detected_workspace(tmp_path_factory.getbasetemp() / "cases-detected")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def _flagged(ws: Workspace) -> pd.DataFrame:
    acc = read_result(ws, "accounts")
    return acc[acc["flagged"].astype(bool) & acc["operation_id"].notna()]


def test_open_cases_is_idempotent_and_keeps_every_flagged_account_once(
    store: Store, detected: Workspace
) -> None:
    flagged = _flagged(detected)
    with store.session() as s:
        first = opening.open_cases(s, detected, actor=OPENER)
    assert len(first.created) == flagged["operation_id"].nunique() == first.operations
    assert first.accounts_added == len(flagged)
    with store.session() as s:
        second = opening.open_cases(s, detected, actor=OPENER)
        assert second.created == ()
        assert second.updated == ()
        assert sorted(second.unchanged) == sorted(first.created)
        assert s.scalar(select(func.count()).select_from(CaseRow)) == len(first.created)
        rows = s.execute(select(CaseAccountRow.account_id, CaseAccountRow.operation_id)).all()
    assert sorted(a for a, _ in rows) == sorted(flagged["account_id"])
    assert dict(rows) == dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    with store.session() as s:
        assert audit.verify(s).ok


def test_case_evidence_has_signals_infrastructure_attribution_and_target_counts(
    store: Store, detected: Workspace
) -> None:
    with store.session() as s:
        opening.open_cases(s, detected, actor=OPENER)
        biggest = max(list_cases(s), key=lambda c: c.accounts)
        case = get_case(s, biggest.id)
    ops = read_result(detected, "operations").set_index("operation_id")
    (op,) = case.operations
    assert op.firm == ops.loc[op.operation_id, "firm"]
    assert op.rationale == ops.loc[op.operation_id, "rationale"]
    targets = read_result(detected, "targets")
    mine = targets[targets["operation_id"] == op.operation_id]
    assert op.targets_total == len(mine)
    assert op.targets_by_phase == mine["phase"].value_counts().to_dict()
    assert sum(op.targets_by_country.values()) == len(mine)
    signals = read_result(detected, "signals")
    acc = case.accounts[0]
    theirs = signals[signals["account_id"] == acc.account_id]
    assert len(acc.signals) == len(theirs) > 0
    assert {(s.signal, s.value, s.threshold) for s in acc.signals} == set(
        zip(theirs["signal"], theirs["value"], theirs["threshold"], strict=True)
    )
    assert acc.role in {"reconnaissance", "engagement", "exploitation", "coordinated"}
    assert case.infrastructure, "the largest simulated operation links to bad domains"
    bad = set(read_result(detected, "bad_domains")["domain"])
    members = {a.account_id for a in case.accounts}
    for item in case.infrastructure:
        assert set(item.accounts) <= members
        assert item.kind in {"domain", "ip"}
        if item.kind == "domain":
            assert item.value in bad
        else:
            assert len(item.accounts) >= 2


def _rewrite(ws: Workspace, name: str, frame: pd.DataFrame) -> None:
    path = next(ws.result_dir(name).glob("*.parquet"))
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def test_changed_detection_updates_the_case_and_flags_it(
    store: Store, detected: Workspace, tmp_path: Path
) -> None:
    ws = copy_workspace(detected, tmp_path / "ws")
    with store.session() as s:
        opening.open_cases(s, ws, actor=OPENER)
        case = max(list_cases(s), key=lambda c: c.accounts)
    # Next run: one of its accounts lost a signal and a new account joined the operation.
    signals = read_result(ws, "signals")
    member = get_case_accounts(store, case.id)[0]
    drop = signals.index[signals["account_id"] == member][0]
    _rewrite(ws, "signals", signals.drop(index=drop))
    accounts = read_result(ws, "accounts")
    extra = accounts[accounts["account_id"] == member].assign(account_id="a-newcomer")
    _rewrite(ws, "accounts", pd.concat([accounts, extra], ignore_index=True))
    with store.session() as s:
        again = opening.open_cases(s, ws, actor=OPENER)
        assert again.created == ()
        assert again.updated == (case.id,)
        assert again.accounts_added == 1
        after = get_case(s, case.id)
    assert after.summary.evidence_changed_at is not None
    assert "a-newcomer" in {a.account_id for a in after.accounts}
    with store.session() as s:
        entries = [e for e in audit.entries(s) if e.action == "case.evidence_update"]
        assert [e.subject_id for e in entries] == [str(case.id)]
        assert opening.acknowledge_evidence(s, case.id, actor=REVIEWER)
        assert get_case(s, case.id).summary.evidence_changed_at is None


def get_case_accounts(store: Store, case_id: int) -> list[str]:
    with store.session() as s:
        return [a.account_id for a in get_case(s, case_id).accounts]


def test_bulk_review_enqueues_each_account_once_and_enforces_four_eyes(
    store: Store, detected: Workspace
) -> None:
    with store.session() as s:
        opening.open_cases(s, detected, actor=OPENER)
        case = max(list_cases(s), key=lambda c: c.accounts)
    members = get_case_accounts(store, case.id)
    with store.session() as s, pytest.raises(ConflictError, match="may not approve"):
        review.review_accounts(
            s, case.id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
            actor=OPENER,
        )  # fmt: skip
    with store.session() as s, pytest.raises(CounterspyError, match="valid to approve"):
        review.review_accounts(
            s, case.id, decision=Decision.APPROVED, reason_code="insufficient-evidence",
            actor=REVIEWER,
        )  # fmt: skip
    with store.session() as s, pytest.raises(NotFoundError, match="not in case"):
        review.review_accounts(
            s, case.id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
            actor=REVIEWER, accounts=["no-such-account"],
        )  # fmt: skip
    keep_out = members[0]
    with store.session() as s:
        first = review.review_accounts(
            s, case.id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
            actor=REVIEWER, accounts=members[1:], note="clear recon + exploitation chain",
        )  # fmt: skip
    assert len(first.actions_created) == len(members) - 1
    assert first.state == CaseState.IN_REVIEW
    with store.session() as s:  # approving again creates nothing
        again = review.review_accounts(
            s, case.id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
            actor=REVIEWER, accounts=members[1:],
        )  # fmt: skip
    assert again.actions_created == ()
    assert len(again.unchanged) == len(members) - 1
    with store.session() as s:  # the rest (pending): rejected as a confounder
        rest = review.review_accounts(
            s, case.id, decision=Decision.REJECTED, reason_code="false-positive-confounder",
            actor=REVIEWER,
        )  # fmt: skip
    assert rest.decided == (keep_out,)
    assert rest.state == CaseState.DECIDED
    with store.session() as s:  # changing one approval to rejected cancels its pending action
        changed = review.review_accounts(
            s, case.id, decision=Decision.REJECTED, reason_code="authentic-account",
            actor=REVIEWER, accounts=[members[1]],
        )  # fmt: skip
    assert len(changed.actions_cancelled) == 1
    with store.session() as s:
        items = outbox.list_actions(s)
        live = [i for i in items if i.status == ActionStatus.PENDING]
        assert sorted(i.target for i in live) == sorted(members[2:])
        assert {i.kind for i in items} == {ActionKind.DISABLE_ACCOUNT}
        assert {i.reason for i in live} == {"surveillance-for-hire"}
        assert {i.evidence_ref for i in items} == {f"case-{case.id}"}
        assert audit.verify(s).ok
        reviews = [e for e in audit.entries(s) if e.action == "case.review"]
        assert len(reviews) == len(members) + 1


def test_infrastructure_review_blocks_approved_items_only(
    store: Store, detected: Workspace
) -> None:
    with store.session() as s:
        opening.open_cases(s, detected, actor=OPENER)
        case = get_case(s, max(list_cases(s), key=lambda c: c.accounts).id)
    domains = [(i.kind, i.value) for i in case.infrastructure if i.kind == "domain"]
    assert len(domains) >= 2
    with store.session() as s:
        done = review.review_infrastructure(
            s, case.summary.id, decision=Decision.APPROVED,
            reason_code="malicious-infrastructure", actor=REVIEWER, items=domains[:2],
        )  # fmt: skip
        assert len(done.actions_created) == 2
        again = review.review_infrastructure(
            s, case.summary.id, decision=Decision.APPROVED,
            reason_code="malicious-infrastructure", actor=REVIEWER, items=domains[:2],
        )  # fmt: skip
        assert again.actions_created == ()
        blocks = [i for i in outbox.list_actions(s) if i.kind == ActionKind.BLOCK_INFRASTRUCTURE]
    assert sorted(b.target for b in blocks) == sorted(v for _, v in domains[:2])


def test_closing_needs_every_account_decided(store: Store, detected: Workspace) -> None:
    with store.session() as s:
        opening.open_cases(s, detected, actor=OPENER)
        case = min(list_cases(s), key=lambda c: c.accounts)
        with pytest.raises(ConflictError, match="decide every account"):
            review.close_case(s, case.id, actor=REVIEWER, reason="done")
        review.review_accounts(
            s, case.id, decision=Decision.REJECTED, reason_code="insufficient-evidence",
            actor=REVIEWER,
        )  # fmt: skip
        assert review.close_case(s, case.id, actor=REVIEWER, reason="nothing to enforce")
        before = len(list_cases(s))
        again = opening.open_cases(s, detected, actor=OPENER)  # a closed case is not reopened
        assert again.created == ()
        assert len(list_cases(s)) == before
        with pytest.raises(ConflictError, match="closed"):
            review.review_accounts(
                s, case.id, decision=Decision.APPROVED, reason_code="surveillance-for-hire",
                actor=REVIEWER,
            )  # fmt: skip
        doc = json.loads(s.get(CaseRow, case.id).evidence)  # type: ignore[union-attr]
        assert doc["operations"]
