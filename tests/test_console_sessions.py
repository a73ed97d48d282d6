"""The session store on SQLite and PostgreSQL: sign-in, lookup, lockout, sign-out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from counterspy.auth import users
from counterspy.console import sessions
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    with s.session() as db:
        users.create_user(db, name="rita", role="reviewer", actor="t")
        users.set_password(db, name="rita", password=PASSWORD, actor="t")
    yield s
    s.dispose()


def test_session_round_trip(store: Store) -> None:
    with store.session() as db:
        signed = sessions.sign_in(db, name="rita", password=PASSWORD, user_agent="pytest")
    assert signed.session_id
    with store.session() as db:
        live = sessions.lookup(db, signed.session_id)
    assert live is not None
    assert live.principal.name == "rita"
    assert len(live.csrf_token) >= 40
    with store.session() as db:
        assert sessions.lookup(db, signed.session_id + "x") is None
        assert sessions.lookup(db, "") is None
        assert sessions.sign_out(db, signed.session_id) == "rita"
    with store.session() as db:
        assert sessions.lookup(db, signed.session_id) is None


def test_lockout_after_repeated_failures(store: Store) -> None:
    for _ in range(sessions.MAX_FAILURES):
        with store.session() as db:
            assert not sessions.sign_in(db, name="rita", password="nope nope nope").ok
    with store.session() as db:
        result = sessions.sign_in(db, name="rita", password=PASSWORD)
    assert result.locked
    assert not result.ok


def test_csrf_comparison() -> None:
    assert sessions.csrf_ok("abc", "abc")
    assert not sessions.csrf_ok("abc", "abd")
    assert not sessions.csrf_ok("abc", None)
    assert not sessions.csrf_ok("abc", "")
