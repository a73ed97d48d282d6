"""`counterspy notify` end to end through the CLI entry point, with a real SMTP server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from benchmarks.notify_data import write_inputs
from benchmarks.smtp_sink import start as start_sink
from benchmarks.smtp_sink import tally

from counterspy.cli.main import main
from counterspy.workspace import Workspace


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_notify_workflow_through_the_cli(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = write_inputs(Workspace(home), 12, seed=1)
    port = _port()
    controller, handler = start_sink(tmp_path / "sink", port, maildir=False)
    try:
        (home / "notify.yaml").write_text(
            f"smtp_port: {port}\nlimits:\n  email: {{per_second: 1000}}\n", encoding="utf-8"
        )
        code, key, _ = _run(capsys, "notify", "keygen")
        monkeypatch.setenv("COUNTERSPY_CONTACT_KEYS", key.strip())
        monkeypatch.setenv("COUNTERSPY_ACTOR", "ina")
        code, out, err = _run(capsys, "notify", "plan")  # nothing taken down yet
        assert code == 0
        assert "no batch planned" in err
        for op in facts["operations"]:  # type: ignore[attr-defined]
            assert _run(capsys, "notify", "takedown-done", op, "--reason", "disabled")[0] == 0
        code, out, _ = _run(capsys, "notify", "plan")
        assert "planned batch 1: 12 notices" in out
        code, _, err = _run(capsys, "notify", "approve", "1", "--reason", "ok")
        assert code == 2
        assert "someone else must approve" in err
        code, out, _ = _run(capsys, "notify", "contacts", "import", str(facts["contacts"]))
        assert "imported 12 contacts" in out
        monkeypatch.setenv("COUNTERSPY_ACTOR", "rita")
        code, out, _ = _run(capsys, "notify", "approve", "1", "--reason", "sample read")
        assert "24 deliveries queued" in out
        code, out, _ = _run(capsys, "notify", "send")
        assert code == 0
        assert "sent 24" in out
        code, out, _ = _run(capsys, "notify", "status")
        assert "email" in out
        assert "in_product" in out
        code, out, _ = _run(capsys, "notify", "batches")
        assert "approved" in out
        code, out, _ = _run(capsys, "notify", "locales", "--check")
        assert code == 0
        assert "catalogs complete" in out
        code, out, err = _run(capsys, "notify", "preview", "--locale", "fa-IR", "--channel", "sms")
        assert "(rtl)" in err
        assert "http" not in out
    finally:
        controller.stop()
        handler.close()
    t = tally(tmp_path / "sink")
    assert (t.received, t.unique) == (12, 12)


def test_send_without_a_contact_key_explains_what_to_set(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COUNTERSPY_CONTACT_KEYS", raising=False)
    monkeypatch.delenv("COUNTERSPY_CONTACT_KEY_FILE", raising=False)
    home.mkdir()
    f = home / "c.csv"
    f.write_text("account_id,email,phone\na1,a@example.org,\n", encoding="utf-8")
    code, _, err = _run(capsys, "notify", "contacts", "import", str(f))
    assert code == 2
    assert "no contact-encryption key configured" in err
    assert "COUNTERSPY_CONTACT_KEYS" in err
