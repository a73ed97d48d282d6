"""Planning and approval rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, InputError
from counterspy.ingest.schema import ACCOUNTS
from counterspy.notify import planning
from counterspy.notify.models import NoticeRow, OutboxRow
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def write_targets(ws: Workspace, rows: list[tuple[str, str, str, str]]) -> None:
    d = ws.result_dir("targets")
    d.mkdir(parents=True, exist_ok=True)
    cols = list(zip(*rows, strict=True))
    pq.write_table(
        pa.table(
            {
                "account_id": list(cols[0]),
                "operation_id": list(cols[1]),
                "firm": list(cols[2]),
                "phase": list(cols[3]),
                "first_seen": [NOW] * len(rows),
                "last_seen": [NOW] * len(rows),
            }
        ),
        d / "part-0.parquet",
    )


def write_operators(ws: Workspace, ids: list[str]) -> None:
    d = ws.result_dir("accounts")
    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"account_id": ids, "is_operator": [True] * len(ids)}), d / "part-0.parquet"
    )


def write_accounts(ws: Workspace, rows: list[tuple[str, str, str]]) -> None:
    d = ws.loads_dir / "l1" / "accounts"
    d.mkdir(parents=True, exist_ok=True)
    n = len(rows)
    pq.write_table(
        pa.table(
            {
                "account_id": [r[0] for r in rows],
                "created_at": [NOW] * n,
                "display_name": ["x"] * n,
                "account_type": ["person"] * n,
                "country": [r[2] for r in rows],
                "locale": [r[1] for r in rows],
                "verified": [False] * n,
                "at_risk": [None] * n,
                "photo_hash": [None] * n,
            },
            schema=ACCOUNTS.schema,
        ),
        d / "part-0.parquet",
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "home")
    write_targets(
        w,
        [
            ("alice", "op-a", "cytrox", "reconnaissance"),
            ("alice", "op-b", "black_cube", "exploitation"),  # same person, two firms
            ("bob", "op-a", "cytrox", "engagement"),
            ("carol", "op-c", "cobwebs", "engagement"),  # op-c still running
            ("dave", "op-a", "cytrox", "engagement"),  # disabled by enforcement
            ("xop", "op-a", "cytrox", "engagement"),  # an operator account
            ("erin", "op-a", "cytrox", "exploitation"),
            ("erin", "op-c", "cobwebs", "reconnaissance"),  # one op done, one running
        ],
    )
    write_operators(w, ["xop"])
    write_accounts(w, [("alice", "pt-BR", "BR"), ("bob", "ar-LB", "LB"), ("erin", "fa-IR", "IR")])
    return w


def _takedowns(s: Store, *ops: str) -> None:
    with s.session() as x:
        for op in ops:
            planning.record_takedown(x, op, actor="enf", reason="accounts disabled")


def test_plan_applies_every_rule(store: Store, ws: Workspace) -> None:
    _takedowns(store, "op-a", "op-b")
    with store.session() as s:
        planning.set_account_disabled(s, "dave", disabled=True, actor="enf", reason="fake")
    with store.session() as s:
        summary = planning.plan_batch(s, ws, actor="ina")
    assert summary.people_seen == 6
    assert summary.notices == 2  # alice, bob
    assert summary.operators_skipped == 1
    assert summary.disabled_skipped == 1
    assert summary.awaiting_takedown == 2  # carol, erin
    with store.session() as s:
        notices = {n.account_id: n for n in s.execute(select(NoticeRow)).scalars()}
    assert set(notices) == {"alice", "bob"}
    alice, bob = notices["alice"], notices["bob"]
    assert alice.phase == "exploitation"  # highest across both operations
    assert json.loads(alice.operations) == ["op-a", "op-b"]
    assert (alice.locale, alice.country, alice.helpline) == ("pt", "BR", "access_now")
    assert (bob.locale, bob.helpline) == ("ar", "smex")


def test_nothing_is_eligible_before_takedown(store: Store, ws: Workspace) -> None:
    with store.session() as s:
        summary = planning.plan_batch(s, ws, actor="ina")
    assert summary.batch_id is None
    assert summary.notices == 0
    with store.session() as s:
        assert s.execute(select(NoticeRow)).first() is None


def test_nobody_is_planned_twice(store: Store, ws: Workspace) -> None:
    _takedowns(store, "op-a", "op-b")
    with store.session() as s:
        first = planning.plan_batch(s, ws, actor="ina")
    _takedowns(store, "op-c")
    with store.session() as s:
        second = planning.plan_batch(s, ws, actor="ina")
    assert first.notices == 3  # alice, bob, dave
    assert second.already_notified == 3
    assert second.notices == 2  # carol and erin, now that op-c is down
    with store.session() as s:
        again = planning.plan_batch(s, ws, actor="ina")
    assert again.batch_id is None
    assert again.already_notified == 5


def test_approval_needs_a_second_person_and_queues_deliveries(store: Store, ws: Workspace) -> None:
    _takedowns(store, "op-a", "op-b")
    with store.session() as s:
        bid = planning.plan_batch(s, ws, actor="ina").batch_id
    assert bid is not None
    with store.session() as s, pytest.raises(ConflictError, match="someone else"):
        planning.approve_batch(s, bid, actor="ina", reason="ok")
    with store.session() as s, pytest.raises(CounterspyError, match="reason"):
        planning.approve_batch(s, bid, actor="rita", reason=" ")
    with store.session() as s, pytest.raises(CounterspyError, match="unknown channel"):
        planning.approve_batch(s, bid, actor="rita", reason="ok", channels=("pigeon",))
    with store.session() as s:
        queued = planning.approve_batch(s, bid, actor="rita", reason="checked sample")
    # No contacts on file: only the in-product copy is queued, one per notice.
    assert queued == 3
    with store.session() as s:
        rows = s.execute(select(OutboxRow)).scalars().all()
        assert {r.channel for r in rows} == {"in_product"}
        assert len({r.idempotency_key for r in rows}) == 3
        with pytest.raises(ConflictError, match="approved"):
            planning.approve_batch(s, bid, actor="rita", reason="again")
        actions = [e.action for e in audit.entries(s)]
    assert actions[:2] == ["notify.approve", "notify.plan"]
    with store.session() as s:
        assert audit.verify(s).ok


def test_rejected_people_can_be_planned_again(store: Store, ws: Workspace) -> None:
    _takedowns(store, "op-a", "op-b")
    with store.session() as s:
        bid = planning.plan_batch(s, ws, actor="ina").batch_id
    assert bid is not None
    with store.session() as s:
        assert planning.reject_batch(s, bid, actor="rita", reason="wording") == 3
    with store.session() as s:
        again = planning.plan_batch(s, ws, actor="ina")
        info = planning.batch_info(s, bid)
    assert again.notices == 3
    assert again.batch_id != bid
    assert info.status == "rejected"


def test_takedown_is_recorded_once_and_needs_a_reason(store: Store) -> None:
    with store.session() as s:
        assert planning.record_takedown(s, "op-z", actor="enf", reason="done")
        assert not planning.record_takedown(s, "op-z", actor="enf", reason="done")
        with pytest.raises(CounterspyError, match="reason"):
            planning.record_takedown(s, "op-y", actor="enf", reason="")


def test_plan_names_the_problem_in_bad_target_files(store: Store, tmp_path: Path) -> None:
    w = Workspace(tmp_path / "bad")
    with store.session() as s, pytest.raises(CounterspyError, match="no detection targets"):
        planning.plan_batch(s, w, actor="ina")
    write_targets(w, [("a", "op", "cytrox", "phishing")])
    with store.session() as s, pytest.raises(InputError, match=r"row 1.*phase"):
        planning.plan_batch(s, w, actor="ina")
