"""Benchmark: plan, render and deliver N notices by email to a real SMTP server, then the same
with the sender SIGKILLed midway and resumed; counts come from the server's own log.

    python -m benchmarks.bench_notify [--targets 50000] [--kill-at 0.5] [--out DIR]

The SMTP server (``benchmarks.smtp_sink``, aiosmtpd) runs in its own process on loopback and
appends one line per accepted message to ``received.log`` before answering 250.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet

from benchmarks.notify_data import write_inputs
from benchmarks.smtp_sink import tally
from counterspy.model import Phase
from counterspy.notify import planning
from counterspy.notify.channels import build_email
from counterspy.notify.contacts import ContactCipher, import_contacts
from counterspy.notify.outbox import Delivery
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _count(log: Path) -> int:
    if not log.exists():
        return 0
    with log.open("rb") as fh:
        return fh.read().count(b"\n")


class Sink:
    def __init__(self, out: Path) -> None:
        self.out, self.port = out, _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.smtp_sink", "--port", str(self.port),
             "--out", str(out), "--no-maildir"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"},
        )  # fmt: skip
        while not (out / "ready").exists():
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def prepare(home: Path, n: int, port: int, key: bytes) -> dict[str, float]:
    ws = Workspace(home)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    facts = write_inputs(ws, n, seed=11)
    timings["write_inputs_s"] = time.perf_counter() - t
    (home / "notify.yaml").write_text(
        f"smtp_port: {port}\nlease_seconds: 5\n"
        "limits:\n  email: {per_second: 100000, concurrency: 8}\n"
        "  in_product: {per_second: 100000, concurrency: 1}\n",
        encoding="utf-8",
    )
    os.environ["COUNTERSPY_DATABASE_URL"] = f"sqlite:///{home / 'counterspy.db'}"
    store = open_store(ws)
    with store.session() as s:
        for op in facts["operations"]:  # type: ignore[attr-defined]
            planning.record_takedown(s, op, actor="bench", reason="benchmark")
    t = time.perf_counter()
    with store.session() as s:
        summary = planning.plan_batch(s, ws, actor="bench-planner")
    timings["plan_s"] = time.perf_counter() - t
    timings["notices"] = summary.notices
    timings["countries"] = summary.countries
    timings["locales"] = len(summary.by_locale)
    t = time.perf_counter()
    with store.session() as s:
        import_contacts(s, facts["contacts"], ContactCipher([key]), actor="bench")  # type: ignore[arg-type]
    timings["contacts_import_s"] = time.perf_counter() - t
    assert summary.batch_id is not None
    t = time.perf_counter()
    with store.session() as s:
        planning.approve_batch(
            s, summary.batch_id, actor="bench-reviewer", reason="benchmark", channels=("email",)
        )
    timings["approve_s"] = time.perf_counter() - t
    store.dispose()
    return timings


def render_rate(n: int = 20_000) -> float:
    """Email messages built per second (render + MIME), over varied locales and phases."""
    from counterspy.notify.locales import SHIPPED

    phases = list(Phase)
    t = time.perf_counter()
    for i in range(n):
        d = Delivery(i, "email", f"k{i}.email", 1, f"u{i}", f"a{i}", phases[i % 3],
                     SHIPPED[i % len(SHIPPED)], "access_now", date(2026, 11, 29))  # fmt: skip
        build_email(d, f"a{i}@example.org", "notices@example.org")
    return n / (time.perf_counter() - t)


def send_cmd(home: Path, key: bytes) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "COUNTERSPY_HOME": str(home), "COUNTERSPY_CONTACT_KEYS": key.decode(),
           "PYTHONPATH": str(REPO / "src"),
           "COUNTERSPY_DATABASE_URL": f"sqlite:///{home / 'counterspy.db'}"}  # fmt: skip
    return [sys.executable, "-m", "counterspy", "notify", "send", "--channel", "email"], env


def run_clean(base: Path, n: int) -> dict[str, object]:
    key = Fernet.generate_key()
    sink = Sink(base / "sink-clean")
    try:
        timings = prepare(base / "clean", n, sink.port, key)
        cmd, env = send_cmd(base / "clean", key)
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t
    finally:
        sink.stop()
    t = tally(sink.out)
    return {**timings, "send_s": seconds, "emails_per_s": t.received / seconds,
            "server_received": t.received, "server_unique": t.unique,
            "server_duplicates": t.duplicates}  # fmt: skip


def run_killed(base: Path, n: int, kill_at: float) -> dict[str, object]:
    key = Fernet.generate_key()
    sink = Sink(base / "sink-kill")
    log = sink.out / "received.log"
    try:
        prepare(base / "kill", n, sink.port, key)
        cmd, env = send_cmd(base / "kill", key)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        target = int(n * kill_at)
        while _count(log) < target and proc.poll() is None:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = _count(log)
        time.sleep(5.5)  # the dead sender's leases (5 s) run out
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        resume_s = time.perf_counter() - t
    finally:
        sink.stop()
    t = tally(sink.out)
    return {"killed_after_server_received": at_kill, "resume_s": resume_s,
            "server_received": t.received, "server_unique": t.unique,
            "server_duplicates": t.duplicates,
            "exactly_once": t.received == t.unique == n}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=50_000)
    ap.add_argument("--kill-at", type=float, default=0.5)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-clean", action="store_true")
    args = ap.parse_args()
    base = args.out or Path(tempfile.mkdtemp(prefix="bench-notify-"))
    base.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"targets": args.targets, "when": str(date.today())}
    result["render_emails_per_s"] = round(render_rate(), 1)
    if not args.skip_clean:
        result["clean"] = run_clean(base, args.targets)
        print(json.dumps(result, indent=1, default=str), flush=True)
    result["killed"] = run_killed(base, args.targets, args.kill_at)
    print(json.dumps(result, indent=1, default=str))
    (base / "result.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
