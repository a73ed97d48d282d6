"""Signed webhook adapter, transactional outbox and worker against the simulated platform."""

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

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterspy.audit import log as audit
from counterspy.enforce import outbox
from counterspy.enforce.actions import (
    ActionKind,
    ActionRequest,
    ActionResult,
    ActionStatus,
    Outcome,
    TargetKind,
)
from counterspy.enforce.adapters import ADAPTERS, PlatformAdapter
from counterspy.enforce.blocklist_seam import blocked
from counterspy.enforce.signing import sign_headers, signature, verify
from counterspy.enforce.simplatform import PlatformState, serve_in_thread
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig, backoff_delay
from counterspy.enforce.worker import Rollout, run_outbox
from counterspy.errors import CounterspyError
from counterspy.infra.service import VerdictService
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace

SECRET = b"0123456789abcdef0123456789abcdef"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def _adapter(url: str, secret: bytes = SECRET, **kw: float) -> WebhookAdapter:
    cfg = WebhookConfig(url=url, secret=secret, backoff_base_s=0.0, **kw)  # type: ignore[arg-type]
    return WebhookAdapter(cfg, sleep=lambda _s: None)


def _request(target: str = "acct-1", key: str = "k-1") -> ActionRequest:
    return ActionRequest(
        1, ActionKind.DISABLE_ACCOUNT, target, TargetKind.ACCOUNT, key, "SFH-1", "case-9"
    )


def test_signature_verifies_and_rejects_tampering_and_replay() -> None:
    body = b'{"a":1}'
    headers = sign_headers(SECRET, body, now=1_000_000)
    ts, sig = headers["X-Counterspy-Timestamp"], headers["X-Counterspy-Signature"]
    assert sig == signature(SECRET, 1_000_000, body)
    assert sig.startswith("v1=")
    assert verify(SECRET, body, ts, sig, now=1_000_100) is None
    assert verify(SECRET, b'{"a":2}', ts, sig, now=1_000_100) == "signature mismatch"
    assert verify(b"x" * 32, body, ts, sig, now=1_000_100) == "signature mismatch"
    assert verify(SECRET, body, ts, sig, now=1_000_301) == "timestamp outside the replay window"
    assert verify(SECRET, body, None, sig) == "missing signature headers"


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    import random

    rng = random.Random(7)
    delays = [backoff_delay(n, 0.5, 4.0, rng) for n in range(8) for _ in range(50)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert max(backoff_delay(0, 0.5, 4.0, rng) for _ in range(100)) <= 0.5
    assert max(backoff_delay(6, 0.5, 4.0, rng) for _ in range(100)) > 2.0


def test_adapter_names_are_unique_and_registered() -> None:
    assert ADAPTERS["webhook"] is WebhookAdapter
    with pytest.raises(TypeError, match="already registered"):
        type("Dup", (PlatformAdapter,), {"name": "webhook", "_do_execute": lambda s, r: None})


def test_webhook_config_refuses_short_secret_and_bad_url() -> None:
    with pytest.raises(CounterspyError, match="shorter than 16"):
        WebhookConfig(url="http://127.0.0.1/x", secret=b"short")
    with pytest.raises(CounterspyError, match="not http"):
        WebhookConfig(url="ftp://x", secret=SECRET)


def test_webhook_retries_5xx_then_acks_once() -> None:
    state = PlatformState(secret=SECRET, fail_first=2)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        result = adapter.execute(_request())
    assert result.outcome == Outcome.ACKED
    assert result.attempts == 3
    assert [c["status"] for c in state.calls] == [500, 500, 200]
    assert len({c["key"] for c in state.calls}) == 1, "every attempt carries the same key"
    assert state.accounts == {"acct-1": "disabled"}


def test_dropped_connection_after_apply_is_retried_and_deduped() -> None:
    state = PlatformState(secret=SECRET, drop_first=1)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        result = adapter.execute(_request())
    assert result.outcome == Outcome.ACKED
    # The client may also trip over the dead keep-alive connection once before reconnecting.
    assert result.attempts in (2, 3)
    assert [c["status"] for c in state.calls] == ["dropped", 200]
    assert result.detail == "duplicate"
    assert len(state.applications) == 1


def test_4xx_is_not_retried_and_keeps_the_reason() -> None:
    state = PlatformState(secret=SECRET)
    with serve_in_thread(state) as url, _adapter(url, secret=b"w" * 32) as adapter:
        result = adapter.execute(_request())
    assert result.outcome == Outcome.FAILED
    assert result.attempts == 1
    assert result.status_code == 401
    assert "signature mismatch" in result.detail
    assert state.applications == []


def test_timeouts_are_transient_after_max_attempts() -> None:
    state = PlatformState(secret=SECRET, delay_s=0.5)
    with serve_in_thread(state) as url, _adapter(url, timeout_s=0.1, max_attempts=2) as adapter:
        result = adapter.execute(_request())
    assert result.outcome == Outcome.TRANSIENT
    assert result.attempts == 2
    assert "timeout" in result.detail


def test_connection_refused_is_transient() -> None:
    with _adapter("http://127.0.0.1:9/enforcement", max_attempts=2) as adapter:
        result = adapter.execute(_request())
    assert result.outcome == Outcome.TRANSIENT
    assert "connection error" in result.detail


def test_enqueue_is_idempotent_and_audited(store: Store) -> None:
    with store.session() as s:
        first = outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["a1", "a2", "a2"],
            reason="SFH-1",
            decided_by="rita",
            batch="b1",
        )
    assert len(first.created) == 2
    assert ("a2", "listed twice") in first.skipped
    with store.session() as s:
        again = outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["a1", "a3"],
            reason="SFH-1",
            decided_by="rita",
            batch="b2",
        )
        assert len(again.created) == 1
        assert again.skipped[0][0] == "a1"
        entries = [e for e in audit.entries(s) if e.action == "action.approve"]
        assert {e.subject_id for e in entries} == {"a1", "a2", "a3"}
        assert all(e.actor == "rita" for e in entries)
    with store.session() as s, pytest.raises(CounterspyError, match="cannot target"):
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["evil.example"],
            target_kind=TargetKind.DOMAIN,
            reason="r",
            decided_by="rita",
        )


def test_decision_and_outbox_row_roll_back_together(store: Store) -> None:
    def decide_then_fail() -> None:
        with store.session() as s:
            outbox.enqueue_actions(
                s, kind=ActionKind.DISABLE_ACCOUNT, targets=["a1"], reason="r", decided_by="rita"
            )
            raise RuntimeError("the decision failed after the actions were written")

    with pytest.raises(RuntimeError):
        decide_then_fail()
    with store.session() as s:
        assert outbox.list_actions(s) == []
        assert audit.entries(s) == []


def test_claims_never_overlap_and_expired_leases_are_reclaimed(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=[f"a{i}" for i in range(6)],
            reason="r",
            decided_by="rita",
        )
    with store.session() as s1, store.session() as s2:
        got1 = outbox.claim(s1, worker="w1", limit=4, lease=timedelta(seconds=60))
        s1.commit()
        got2 = outbox.claim(s2, worker="w2", limit=4, lease=timedelta(seconds=60))
    assert len(got1) == 4
    assert len(got2) == 2
    assert not {i.id for i in got1} & {i.id for i in got2}
    with store.session() as s:
        assert outbox.claim(s, worker="w3", limit=10, lease=timedelta(seconds=60)) == []
        assert outbox.mark_sent(s, got1[0], lease=timedelta(seconds=-1))  # lease already over
    with store.session() as s:
        again = outbox.claim(s, worker="w3", limit=10, lease=timedelta(seconds=60))
    assert [i.id for i in again] == [got1[0].id]
    assert again[0].idempotency_key == got1[0].idempotency_key


def test_worker_delivers_everything_once_and_blocks_infrastructure(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["a1", "a2", "a3"],
            reason="r",
            decided_by="rita",
        )
        outbox.enqueue_actions(
            s,
            kind=ActionKind.BLOCK_INFRASTRUCTURE,
            targets=["Instagam.Click.", "198.51.100.7"],
            target_kind=TargetKind.DOMAIN,
            reason="Cytrox lookalike",
            decided_by="rita",
        )
    state = PlatformState(secret=SECRET, fail_first=1)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        summary = run_outbox(store, adapter, rollout=Rollout(batch_size=2))
        again = run_outbox(store, adapter)
    assert (summary.acked, summary.failed) == (5, 0)
    assert again.delivered == 0
    assert sorted(a["target"] for a in state.applications) == ["a1", "a2", "a3"]
    with store.session() as s:
        assert ("domain", "instagam.click") in blocked(s)
        assert {i.status for i in outbox.list_actions(s)} == {ActionStatus.ACKED}
        assert len([e for e in audit.entries(s) if e.action == "action.acked"]) == 5
        assert audit.verify(s).ok
    # The block reaches the link-verdict engine's blocklist in the same transaction.
    service = VerdictService(Workspace(tmp_path / "ws"), store=store, check_interval=0.0)
    verdicts = service.engine().check_many(["https://instagam.click/x", "http://198.51.100.7/"])
    assert [v.label.value for v in verdicts] == ["malicious", "malicious"]


def test_canary_failure_halts_and_leaves_the_rest_pending(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=[f"a{i}" for i in range(10)],
            reason="r",
            decided_by="rita",
        )
    state = PlatformState(secret=SECRET)
    with serve_in_thread(state) as url, _adapter(url, secret=b"wrong-secret-x" * 2) as adapter:
        summary = run_outbox(store, adapter, rollout=Rollout(canary=2))
    assert summary.failed == 2
    assert summary.halted is not None
    with store.session() as s:
        assert len(outbox.list_actions(s, status=ActionStatus.PENDING)) == 8
        failed = outbox.list_actions(s, status=ActionStatus.FAILED)
        assert failed[0].response_code == 401
        assert "signature mismatch" in (failed[0].last_error or "")


def test_rate_limit_spaces_deliveries(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s, kind=ActionKind.DISABLE_ACCOUNT, targets=["a", "b", "c"], reason="r", decided_by="x"
        )
    slept: list[float] = []
    now = [1000.0]

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    state = PlatformState(secret=SECRET)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        run_outbox(
            store,
            adapter,
            rollout=Rollout(max_per_minute=120),
            sleep=fake_sleep,
            clock=lambda: now[0],
        )
    assert slept == [0.5, 0.5]
    assert len(state.applications) == 3


def _worker_cmd(url: str, secret_file: Path, home: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "counterspy",
        "actions",
        "run",
        "--home",
        str(home),
        "--platform-url",
        url,
        "--secret-file",
        str(secret_file),
        "--lease-seconds",
        "1",
        "--batch-size",
        "3",
        *extra,
    ]


@pytest.mark.slow
def test_crash_mid_batch_and_resume_disables_each_approved_account_once(
    store_url: str, tmp_path: Path
) -> None:
    """SIGKILL the worker process mid-batch, resume: exactly the approved accounts, once each."""
    store = Store(store_url)
    upgrade(store.engine)
    approved = [f"acct-{i:03d}" for i in range(30)]
    with store.session() as s:
        outbox.enqueue_actions(
            s, kind=ActionKind.DISABLE_ACCOUNT, targets=approved, reason="SFH", decided_by="rita"
        )
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["acct-rejected"],
            reason="SFH",
            decided_by="rita",
        )
    with store.session() as s:  # a reviewer cancelled this one before delivery
        row = outbox.list_actions(s)[-1]
        assert outbox.cancel_actions(s, actor="sam", reason="mistake", ids=[row.id])[0]
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "COUNTERSPY_DATABASE_URL": store_url,
        "COUNTERSPY_ACTOR": "worker-test",
    }
    # The platform answers each call 0.3 s after applying it, and the worker is killed as soon
    # as the 8th account is applied: at that moment its request is in flight, its row is
    # "sent", and the answer is never read. That is the hard case: on resume the row must be
    # sent again with the same idempotency key and deduplicated, not applied twice.
    state = PlatformState(secret=SECRET, delay_s=0.3)
    with serve_in_thread(state) as url:
        proc = subprocess.Popen(
            _worker_cmd(url, secret_file, tmp_path / "home"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120  # a loaded CI machine starts Python slowly
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
            in_flight = [i for i in outbox.list_actions(s) if i.status == ActionStatus.SENT]
        assert len(in_flight) == 1, "the applied-but-unanswered action is recorded as sent"
        time.sleep(1.2)  # let the dead worker's lease run out
        with _adapter(url) as adapter:  # resume in this process: same outbox, same keys
            resumed = run_outbox(store, adapter, rollout=Rollout(lease=timedelta(seconds=5)))
        assert resumed.failed == 0
        assert resumed.acked >= len(approved) - killed_after
        applied = Counter(a["target"] for a in state.applications)
    assert sorted(applied) == approved
    assert set(applied.values()) == {1}
    duplicates = [c for c in state.calls if c.get("duplicate")]
    assert [c["target"] for c in duplicates] == [in_flight[0].target]
    assert "acct-rejected" not in state.accounts
    with store.session() as s:
        statuses = Counter(i.status for i in outbox.list_actions(s))
        assert statuses == {ActionStatus.ACKED: 30, ActionStatus.CANCELLED: 1}
        assert audit.verify(s).ok
    store.dispose()


def test_cli_approve_dry_run_and_list(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from counterspy.cli.main import main

    args = ["actions", "approve", "--kind", "disable_account", "--target", "a1", "--reason", "r"]
    assert main([*args, "--dry-run"]) == 0
    assert main(["actions", "list"]) == 0
    assert "no actions" in capsys.readouterr().err
    assert main([*args, "--batch", "b1"]) == 0
    assert main(["actions", "run", "--dry-run"]) == 0
    printed = capsys.readouterr()
    assert '"target":"a1"' in printed.out
    assert "nothing sent" in printed.err
    assert main(["actions", "run", "--platform-url", "http://127.0.0.1:9/x"]) == 2
    assert "secret" in capsys.readouterr().err
    _ = httpx  # the adapter's transport; imported to keep the dependency explicit


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=200), flip=st.integers(min_value=0, max_value=199))
def test_any_change_to_a_signed_body_is_detected(body: bytes, flip: int) -> None:
    headers = sign_headers(SECRET, body, now=5_000)
    ts, sig = headers["X-Counterspy-Timestamp"], headers["X-Counterspy-Signature"]
    assert verify(SECRET, body, ts, sig, now=5_000) is None
    if body:
        i = flip % len(body)
        changed = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
        assert verify(SECRET, changed, ts, sig, now=5_000) == "signature mismatch"


def test_reinstatement_goes_through_the_same_adapter(store: Store) -> None:
    state = PlatformState(secret=SECRET)
    with serve_in_thread(state) as url, _adapter(url) as adapter:
        with store.session() as s:
            outbox.enqueue_actions(
                s, kind=ActionKind.DISABLE_ACCOUNT, targets=["a1"], reason="r", decided_by="rita"
            )
        run_outbox(store, adapter)
        assert state.accounts == {"a1": "disabled"}
        with store.session() as s:
            undo = outbox.enqueue_actions(
                s,
                kind=ActionKind.REINSTATE_ACCOUNT,
                targets=["a1"],
                reason="appeal upheld",
                decided_by="sam",
            )
            assert len(undo.created) == 1
        run_outbox(store, adapter)
    assert state.accounts == {"a1": "active"}
    assert [a["action"] for a in state.applications] == ["disable_account", "reinstate_account"]
    with store.session() as s:
        again = outbox.enqueue_actions(
            s, kind=ActionKind.REINSTATE_ACCOUNT, targets=["a1"], reason="r", decided_by="sam"
        )
    assert again.created == ()
    assert "already reinstate_account" in again.skipped[0][1]


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s, kind=ActionKind.DISABLE_ACCOUNT, targets=["a1"], reason="r", decided_by="rita"
        )
    with store.session() as s:
        (old,) = outbox.claim(s, worker="slow", limit=1, lease=timedelta(seconds=-1))
    with store.session() as s:
        (new,) = outbox.claim(s, worker="fast", limit=1, lease=timedelta(seconds=60))
    assert new.idempotency_key == old.idempotency_key
    with store.session() as s:
        outbox.finish(s, new, ActionResult(Outcome.ACKED, 1, 200, "ref-1"), actor="fast")
    with store.session() as s:
        late = outbox.finish(s, old, ActionResult(Outcome.FAILED, 1, 400), actor="slow")
        assert late == ActionStatus.ACKED
        assert outbox.list_actions(s)[0].status == ActionStatus.ACKED


def test_only_pending_actions_can_be_cancelled(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["a1", "a2"],
            reason="r",
            decided_by="rita",
            batch="b",
        )
    with store.session() as s:
        outbox.claim(s, worker="w", limit=1, lease=timedelta(seconds=60))
    with store.session() as s:
        done, refused = outbox.cancel_actions(s, actor="sam", reason="wrong batch", batch="b")
    assert len(done) == 1
    assert refused[0][1] == "is claimed"
    with store.session() as s:
        assert audit.entries(s, subject_id="a2")[0].action == "action.cancel"
    with store.session() as s, pytest.raises(CounterspyError, match="no such"):
        outbox.cancel_actions(s, actor="sam", reason="x", ids=[999])
