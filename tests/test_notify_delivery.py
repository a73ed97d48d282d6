"""Delivery through a real SMTP server on loopback: exactly once, retries, fencing, resume."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from benchmarks.notify_data import write_inputs
from benchmarks.smtp_sink import start as start_sink
from benchmarks.smtp_sink import tally
from cryptography.fernet import Fernet
from sqlalchemy import select

from counterspy.notify import planning
from counterspy.notify.config import ChannelLimits, NotifyConfig
from counterspy.notify.contacts import ContactCipher, import_contacts
from counterspy.notify.models import FeedRow, OutboxRow
from counterspy.notify.outbox import claim, mark_sent
from counterspy.notify.sender import RateLimiter, send_all
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace
from tests.conftest import REPO

FAST = {"email": ChannelLimits(per_second=10_000, concurrency=3),
        "in_product": ChannelLimits(per_second=10_000, concurrency=1)}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, out = free_port(), tmp_path / "sink"
    controller, handler = start_sink(out, port)
    yield port, out
    controller.stop()
    handler.close()


def prepare(store: Store, ws: Workspace, n: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    facts = write_inputs(ws, n, seed=3)
    key = Fernet.generate_key()
    monkeypatch.setenv("COUNTERSPY_CONTACT_KEYS", key.decode())
    with store.session() as s:
        for op in facts["operations"]:  # type: ignore[attr-defined]
            planning.record_takedown(s, op, actor="enf", reason="down")
        bid = planning.plan_batch(s, ws, actor="ina").batch_id
        import_contacts(s, facts["contacts"], ContactCipher([key]), actor="ops")  # type: ignore[arg-type]
    assert bid is not None
    with store.session() as s:
        planning.approve_batch(s, bid, actor="rita", reason="ok")
    return key


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def test_send_delivers_each_notice_once_and_rerun_sends_nothing(
    store: Store, tmp_path: Path, sink: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, out = sink
    ws = Workspace(tmp_path / "home")
    prepare(store, ws, 40, monkeypatch)
    cfg = NotifyConfig(smtp_port=port, limits=FAST)
    first = asyncio.run(send_all(store, cfg))
    assert first.by_channel["email"].sent == 40
    assert first.by_channel["in_product"].sent == 40
    second = asyncio.run(send_all(store, cfg))
    assert second.sent == 0
    t = tally(out)
    assert (t.received, t.unique, t.duplicates) == (40, 40, 0)
    with store.session() as s:
        feed = s.execute(select(FeedRow)).scalars().all()
        statuses = {r.status for r in s.execute(select(OutboxRow)).scalars()}
    assert len(feed) == 40
    assert statuses == {"sent"}
    # The server's copies: no links, no firm, the Message-ID from the idempotency key.
    body = next((out / "maildir" / "new").iterdir()).read_bytes()
    assert b"Message-ID: <" in body
    assert b"http" not in body.lower()
    assert b"<a " not in body


class Flaky:
    """Refuses the first ``fail`` messages with 451 (try later), then accepts."""

    def __init__(self, fail: int, code: str = "451 try again later") -> None:
        self.fail, self.code, self.got = fail, code, 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.fail > 0:
            self.fail -= 1
            return self.code
        self.got += 1
        return "250 OK"


def test_temporary_refusals_are_retried_with_backoff_and_permanent_ones_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    prepare(store, Workspace(tmp_path / "home"), 6, monkeypatch)
    port = free_port()
    handler = Flaky(fail=2)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cfg = NotifyConfig(smtp_port=port, limits=FAST, backoff_seconds=3600, channels=("email",))
        first = asyncio.run(send_all(store, cfg))
        assert first.by_channel["email"].retry == 2
        assert first.by_channel["email"].sent == 4
        with store.session() as s:
            waiting = s.execute(
                select(OutboxRow).where(OutboxRow.status == "pending", OutboxRow.channel == "email")
            ).scalars()
            rows = list(waiting)
            assert [r.attempts for r in rows] == [1, 1]
            assert all(r.last_error == "SMTP 451 after data" for r in rows)
        assert asyncio.run(send_all(store, cfg)).sent == 0  # backing off: not yet
        with store.session() as s:
            for r in s.execute(select(OutboxRow).where(OutboxRow.status == "pending")).scalars():
                r.next_attempt_at = r.created_at
        second = asyncio.run(send_all(store, cfg))
        assert second.by_channel["email"].sent == 2
        assert handler.got == 6
        handler.fail, handler.code = 100, "550 no such user"
        with store.session() as s:  # one more notice, refused for good
            row = s.execute(select(OutboxRow).where(OutboxRow.channel == "email")).scalars().first()
            assert row is not None
            row.status, row.attempts = "pending", 0
        third = asyncio.run(send_all(store, cfg))
        assert third.by_channel["email"].failed == 1
    finally:
        controller.stop()
        store.dispose()


def test_a_sender_whose_lease_was_taken_cannot_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    prepare(store, Workspace(tmp_path / "home"), 3, monkeypatch)
    slow = claim(store, "email", "slow-sender", limit=1, lease_seconds=0.05)
    time.sleep(0.1)
    fast = claim(store, "email", "fast-sender", limit=1, lease_seconds=60)
    assert [d.id for d in slow] == [d.id for d in fast]
    assert not mark_sent(store, slow[0].id, "slow-sender")
    assert mark_sent(store, fast[0].id, "fast-sender")
    assert claim(store, "email", "third", limit=10, lease_seconds=60)[0].id != fast[0].id
    store.dispose()


@pytest.mark.slow
def test_sigkill_midway_then_resume_delivers_each_message_exactly_once(
    tmp_path: Path, sink: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, out = sink
    home = tmp_path / "home"
    store = Store(f"sqlite:///{home / 'counterspy.db'}")
    home.mkdir(parents=True)
    upgrade(store.engine)
    key = prepare(store, Workspace(home), 500, monkeypatch)
    store.dispose()
    (home / "notify.yaml").write_text(
        f"smtp_port: {port}\nchannels: [email]\n"
        "limits:\n  email: {per_second: 10000, concurrency: 4}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "COUNTERSPY_HOME": str(home), "COUNTERSPY_CONTACT_KEYS": key.decode(),
           "PYTHONPATH": str(REPO / "src")}  # fmt: skip
    env.pop("COUNTERSPY_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "counterspy", "notify", "send", "--lease-seconds", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while tally_count(out) < 200 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "sender finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = tally_count(out)
    assert 200 <= killed_at < 500
    time.sleep(2.1)  # let the dead sender's leases run out
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    t = tally(out)
    # Never twice. Over plain SMTP a crash can lose the one message whose fence committed in the
    # instant before the final dot was written (docs/notifications.md, "email"), never more.
    assert t.duplicates == 0
    assert t.unique == t.received
    assert 499 <= t.received <= 500


def tally_count(out: Path) -> int:
    log = out / "received.log"
    if not log.exists():
        return 0
    with log.open("rb") as fh:
        return fh.read().count(b"\n")


def test_two_senders_at_once_never_send_one_message_twice(
    store: Store, tmp_path: Path, sink: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, out = sink
    prepare(store, Workspace(tmp_path / "home"), 60, monkeypatch)
    cfg = NotifyConfig(smtp_port=port, limits=FAST, channels=("email",))

    async def both() -> list[int]:
        a, b = await asyncio.gather(
            send_all(store, cfg, owner="sender-a"), send_all(store, cfg, owner="sender-b")
        )
        return [a.sent, b.sent]

    counts = asyncio.run(both())
    assert sum(counts) == 60
    t = tally(out)
    assert (t.received, t.unique) == (60, 60)


class Hook(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Hook.fail_first > 0:
            Hook.fail_first -= 1
            self.send_response(503)
        else:
            Hook.seen.append((self.path, self.headers.get("Idempotency-Key", ""), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_webhook_channel_sends_idempotency_keys_and_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    facts = write_inputs(Workspace(tmp_path / "home"), 5, seed=9)
    with store.session() as s:
        for op in facts["operations"]:  # type: ignore[attr-defined]
            planning.record_takedown(s, op, actor="enf", reason="down")
        bid = planning.plan_batch(s, Workspace(tmp_path / "home"), actor="ina").batch_id
    assert bid is not None
    with store.session() as s:
        planning.approve_batch(s, bid, actor="rita", reason="ok", channels=("webhook",))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    Hook.seen, Hook.fail_first = [], 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        one = {"webhook": ChannelLimits(per_second=1e4, concurrency=1)}
        cfg = NotifyConfig(webhook_url=url, channels=("webhook",), backoff_seconds=0, limits=one)
        summary = asyncio.run(send_all(store, cfg))
    finally:
        server.shutdown()
        server.server_close()
    assert summary.by_channel["webhook"].sent == 5
    assert summary.by_channel["webhook"].retry == 1  # the 503, retried in the same run
    keys = [k for _, k, _ in Hook.seen]
    assert len(keys) == 5
    assert len(set(keys)) == 5
    assert all(k.endswith(".webhook") for k in keys)
    assert all(set(b) >= {"notice", "locale", "direction", "html", "sms"} for _, _, b in Hook.seen)
    assert all("http" not in b["sms"] for _, _, b in Hook.seen)
    store.dispose()


def test_rate_limiter_spaces_sends_across_workers() -> None:
    limiter = RateLimiter(per_second=40)

    async def worker(n: int) -> None:
        for _ in range(n):
            await limiter.acquire()

    async def three() -> None:
        await asyncio.gather(worker(7), worker(7), worker(7))

    started = time.monotonic()
    asyncio.run(three())
    # 21 acquisitions at 40/s: the first is free, the other 20 are 25 ms apart.
    assert time.monotonic() - started >= 0.49


def test_in_product_push_nudges_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    prepare(store, Workspace(tmp_path / "home"), 4, monkeypatch)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    Hook.seen, Hook.fail_first = [], 1  # a failed nudge must not fail the delivery
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/push"
        cfg = NotifyConfig(in_product_push_url=url, channels=("in_product",), limits=FAST)
        summary = asyncio.run(send_all(store, cfg))
    finally:
        server.shutdown()
        server.server_close()
    assert summary.by_channel["in_product"].sent == 4
    assert len(Hook.seen) == 3
    assert all(path == "/push" and key.endswith(".in_product") for path, key, _ in Hook.seen)
    with store.session() as s:
        assert len(s.execute(select(FeedRow)).scalars().all()) == 4
    store.dispose()


def test_accounts_disabled_after_approval_get_nothing(
    tmp_path: Path, sink: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, out = sink
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(store.engine)
    prepare(store, Workspace(tmp_path / "home"), 5, monkeypatch)
    with store.session() as s:
        planning.set_account_disabled(
            s, "t0000002", disabled=True, actor="enf", reason="taken over"
        )
    summary = asyncio.run(send_all(store, NotifyConfig(smtp_port=port, limits=FAST)))
    assert summary.by_channel["email"].sent == 4
    assert summary.by_channel["in_product"].sent == 4
    with store.session() as s:
        failed = s.execute(select(OutboxRow).where(OutboxRow.status == "failed")).scalars().all()
    assert len(failed) == 2
    assert {r.last_error for r in failed} == {"account disabled since approval"}
    assert tally(out).received == 4
    store.dispose()
