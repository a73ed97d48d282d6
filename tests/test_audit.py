"""The audit log's hash chain: appends link up, and every kind of tampering is caught."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from counterspy.audit import log as audit
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        with store.session() as s:
            audit.record(
                s,
                actor="alice",
                action="case.approve",
                subject_type="case",
                subject_id=f"case-{i}",
                reason="policy.coordinated_inauthentic",
                evidence_ref=f"results/operations#{i}",
                before={"state": "open"},
                after={"state": "approved", "n": i},
            )


def _tamper(store: Store, sql: str, **params: object) -> None:
    # A database owner can lift PostgreSQL's append-only trigger; the chain must still tell.
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text(sql), params)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def _verify(store: Store, anchors: tuple[audit.Anchor, ...] = ()) -> audit.VerifyResult:
    with store.session() as s:
        return audit.verify(s, anchors)


def test_untouched_chain_verifies(store: Store) -> None:
    _fill(store, 5)
    result = _verify(store)
    assert result.ok, result.problems
    assert result.rows == 5
    assert result.head.seq == 5


def test_entries_link_to_their_predecessor(store: Store) -> None:
    _fill(store, 3)
    with store.session() as s:
        newest_first = audit.entries(s)
    assert [e.seq for e in newest_first] == [3, 2, 1]
    assert newest_first[2].prev_hash == audit.GENESIS_HASH
    assert newest_first[1].prev_hash == newest_first[2].hash
    assert newest_first[0].prev_hash == newest_first[1].hash


def test_edited_row_is_named(store: Store) -> None:
    _fill(store, 5)
    _tamper(store, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3")
    problems = _verify(store).problems
    assert [(p.seq, p.kind) for p in problems] == [(3, "edited")]


def test_edited_and_rehashed_row_breaks_the_next_link(store: Store) -> None:
    _fill(store, 5)
    with store.session() as s:
        row = {e.seq: e for e in audit.entries(s)}[2]
    forged = audit.row_hash(
        seq=row.seq,
        at=row.at,
        actor="mallory",
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        reason=row.reason,
        evidence_ref=row.evidence_ref,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
    )
    _tamper(store, "UPDATE audit_log SET actor='mallory', hash=:h WHERE seq=2", h=forged)
    problems = _verify(store).problems
    assert [(p.seq, p.kind) for p in problems] == [(3, "relinked")]


def test_deleted_row_is_named(store: Store) -> None:
    _fill(store, 5)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 2")
    problems = _verify(store).problems
    assert [(p.seq, p.kind) for p in problems] == [(3, "deleted")]
    assert "row 2 missing" in problems[0].detail


def test_deleted_newest_row_is_caught_by_the_head(store: Store) -> None:
    _fill(store, 4)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 4")
    problems = _verify(store).problems
    assert [p.kind for p in problems] == ["head"]


def test_truncated_tail_with_rewritten_head_is_caught_by_an_anchor(store: Store) -> None:
    _fill(store, 4)
    with store.session() as s:
        anchor = audit.head(s)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 4")
    with store.engine.begin() as conn:
        prev = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 3")).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": prev})
    assert _verify(store).ok  # without an anchor this is undetectable: documented
    problems = _verify(store, (anchor,)).problems
    assert [(p.seq, p.kind) for p in problems] == [(4, "anchor")]


def test_inserted_row_is_named(store: Store) -> None:
    _fill(store, 3)
    # Shift rows up to make room, then insert a forged row 2 with a self-consistent hash.
    _tamper(store, "UPDATE audit_log SET seq = seq + 10 WHERE seq >= 2")
    _tamper(store, "UPDATE audit_log SET seq = seq - 9 WHERE seq >= 12")
    forged = audit.row_hash(
        seq=2,
        at=audit.datetime(2026, 1, 1, tzinfo=audit.UTC),
        actor="mallory",
        action="case.approve",
        subject_type="case",
        subject_id="case-x",
        reason="",
        evidence_ref=None,
        before=None,
        after=None,
        prev_hash="f" * 64,
    )
    _tamper(
        store,
        "INSERT INTO audit_log (seq, at, actor, action, subject_type, subject_id, reason, "
        "prev_hash, hash) VALUES (2, :at, 'mallory', 'case.approve', 'case', 'case-x', '', "
        ":p, :h)",
        at=audit.datetime(2026, 1, 1, tzinfo=audit.UTC),
        p="f" * 64,
        h=forged,
    )
    kinds = {(p.seq, p.kind) for p in _verify(store).problems}
    assert (2, "relinked") in kinds  # the forged row does not link to row 1
    assert (3, "edited") in kinds  # the shifted original row 2 no longer matches its hash


def test_reordered_rows_are_named(store: Store) -> None:
    _fill(store, 4)
    _tamper(store, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    _tamper(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _tamper(store, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
    kinds = {(p.seq, p.kind) for p in _verify(store).problems}
    assert {(2, "edited"), (3, "edited")} <= kinds


def test_postgres_refuses_updates_outright(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _fill(store, 1)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'x'"))


def test_record_rolls_back_with_the_change(store: Store) -> None:
    _fill(store, 1)

    class BoomError(Exception):
        pass

    def change_then_fail() -> None:
        with store.session() as s:
            audit.record(s, actor="a", action="x", subject_type="t", subject_id="1")
            raise BoomError

    with pytest.raises(BoomError):
        change_then_fail()
    result = _verify(store)
    assert result.ok
    assert result.rows == 1


def test_record_requires_who_and_what(store: Store) -> None:
    with pytest.raises(ValueError, match="actor"), store.session() as s:
        audit.record(s, actor="", action="x", subject_type="t", subject_id="1")
