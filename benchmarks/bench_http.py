"""Batch HTTP throughput of ``POST /v1/verdicts`` through ``counterspy serve``.

    python -m benchmarks.bench_http [--indicators 100000] [--workers 2] [--connections 4]
                                    [--requests 20] [--repeat 5] [--skip warm cold handler]

A workspace with ``--indicators`` imported domains (and the bundled brand list) is served by
``counterspy serve --workers N`` in a subprocess. The client is lean so that it does not take the
server's cores: request bytes (headers and a 10,000-URL JSON body) are encoded once, each of
``--connections`` threads keeps one HTTP/1.1 connection alive on a raw socket and reads each
response by its Content-Length without parsing it. One response is parsed and compared in full
with the library's verdicts before any timing.

Traffic, 10,000 URLs per request, 70 % on a few popular hosts and 30 % on hosts drawn from a
large set (10 % of those indicator hits), like ``bench_verdict``'s realistic set:

* **warm**: four bodies sent over and over after a warm-up (every host seen before): the cost of
  the HTTP layer plus memoised verdicts, the steady state of a link shim;
* **cold**: a fresh server and every request a body never sent before: about 3,000
  never-seen hosts per request go through the full lookalike path.

Reported per run: wall-clock URLs/s, server CPU (all worker processes), client CPU, load average.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
BATCH = 10_000


@dataclass(frozen=True)
class Run:
    urls_per_s: float
    wall_s: float
    server_cpu_s: float
    busiest_share: float  # of the server CPU, the busiest process's share (1.0: one worker)
    client_cpu_s: float
    load: float


def make_workspace(root: Path, domains: Sequence[str]) -> str:
    """Import ``domains`` as indicators and issue a partner token; returns the token."""
    from counterspy.auth.users import create_user, issue_token
    from counterspy.intel.importer import prepare_import
    from counterspy.intel.store import apply_import
    from counterspy.storage.open import open_store
    from counterspy.workspace import Workspace

    lst = root / "iocs.txt"
    lst.write_text("\n".join(domains) + "\n", encoding="utf-8")
    store = open_store(Workspace(root / "home"))
    try:
        apply_import(store, prepare_import([lst], source="bench"))
        with store.session() as s:
            create_user(s, name="bench", role="partner", organisation="bench", actor="bench")
            _info, token = issue_token(s, name="bench", actor="bench")
    finally:
        store.dispose()
    return token


def request_bytes(body: bytes, token: str) -> bytes:
    head = (
        "POST /v1/verdicts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection on a raw socket: send prepared bytes, read the
    response by Content-Length (uvicorn always sends it for these responses)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray(16 * 2**20)
        self.view = memoryview(self.buf)

    def roundtrip(self, request: bytes) -> tuple[int, int]:
        """Send ``request``; (start, end) of the response body in ``self.buf``."""
        self.sock.sendall(request)
        got, end, length = 0, -1, -1
        recv, view = self.sock.recv_into, self.view
        while True:
            n = recv(view[got:], 1 << 20)
            if n == 0:
                raise ConnectionError("server closed the connection")
            got += n
            if end < 0:
                end = self.buf.find(b"\r\n\r\n", 0, got)
                if end < 0:
                    continue
                head = bytes(self.buf[:end]).lower()
                if not head.startswith(b"http/1.1 200"):
                    raise RuntimeError(bytes(self.buf[: min(got, 2000)]).decode(errors="replace"))
                i = head.index(b"content-length:") + 15
                length = int(head[i : head.index(b"\r\n", i) if b"\r\n" in head[i:] else None])
                end += 4
            if got >= end + length:
                return end, end + length

    def close(self) -> None:
        self.sock.close()


def start_server(
    home: Path, workers: int, src: Path = REPO / "src"
) -> tuple[subprocess.Popen[bytes], int]:
    """``counterspy serve`` from the package sources in ``src``; returns (process, port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "counterspy", "serve", "--home", str(home), "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(1200):  # workers build their engines before they accept (create_server_app)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError("server did not start")
    return proc, port


def server_cpu(proc: subprocess.Popen[bytes]) -> dict[int, float]:
    """CPU seconds so far of the server and each of its worker processes, by pid."""
    out = {}
    root = psutil.Process(proc.pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        out[p.pid] = t.user + t.system
    return out


def drive(port: int, requests: Sequence[bytes], connections: int) -> tuple[int, float]:
    """Send every request over ``connections`` keep-alive connections (round-robin split);
    returns (verdict objects counted in the bodies, wall seconds)."""
    conns = [Connection(port) for _ in range(connections)]
    counts = [0] * connections
    errors: list[BaseException] = []
    start = threading.Barrier(connections + 1)

    def work(k: int) -> None:
        conn, mine = conns[k], requests[k::connections]
        start.wait()
        try:
            for req in mine:
                start_, end_ = conn.roundtrip(req)
                counts[k] += conn.buf.count(b'{"url":', start_, end_)  # C scan, no parsing
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for c in conns:
        c.close()
    if errors:
        raise errors[0]
    return sum(counts), wall


def timed_run(proc: subprocess.Popen[bytes], port: int, reqs: Sequence[bytes], conns: int) -> Run:
    gc.collect()
    cpu0, client0 = server_cpu(proc), time.process_time()
    sent, wall = drive(port, reqs, conns)
    client = time.process_time() - client0
    assert sent == BATCH * len(reqs), (sent, len(reqs))
    cpu = {pid: t - cpu0.get(pid, 0.0) for pid, t in server_cpu(proc).items()}
    total = sum(cpu.values())
    return Run(sent / wall, wall, total, max(cpu.values()) / total, client, os.getloadavg()[0])


def check_once(port: int, token: str, home: Path, urls: list[str]) -> None:
    """Parse one response in full and compare every verdict with the library's."""
    from counterspy.infra.service import VerdictService
    from counterspy.workspace import Workspace

    conn = Connection(port)
    start, end = conn.roundtrip(request_bytes(json.dumps({"urls": urls}).encode(), token))
    body = json.loads(bytes(conn.buf[start:end]))
    conn.close()
    got = body["verdicts"]
    assert len(got) == len(urls), (len(got), len(urls))
    svc = VerdictService(Workspace(home))
    try:
        want = svc.engine().check_many(urls)
    finally:
        svc.close()
    for g, w in zip(got, want, strict=True):
        mine = (g["url"], g["verdict"], [r["code"] for r in g["reasons"]], g["domain"], g["actor"])
        lib = (w.url, w.label.value, [r.code for r in w.reasons], w.domain, w.actor)
        if mine != lib:
            raise AssertionError(f"server {mine} != library {lib}")
    labels = {v["verdict"] for v in got}
    print(f"  checked {len(got):,} verdicts against the library ({', '.join(sorted(labels))})")


def report(name: str, runs: Sequence[Run], workers: int) -> None:
    cores = os.cpu_count() or 1
    for r in runs:
        print(
            f"  {r.urls_per_s:>9,.0f} URLs/s  wall {r.wall_s:5.2f} s  server CPU "
            f"{r.server_cpu_s / r.wall_s / cores:4.0%} (busiest worker {r.busiest_share:4.0%})  "
            f"client CPU "
            f"{r.client_cpu_s / r.wall_s / cores:4.0%} of {cores} cores  load {r.load:.1f}"
        )
    med = statistics.median(r.urls_per_s for r in runs)
    per_cpu = statistics.median(r.urls_per_s * r.wall_s / r.server_cpu_s for r in runs)
    print(
        f"{name}: median {med:,.0f} URLs/s over {len(runs)} runs (serve --workers {workers}); "
        f"server work {per_cpu:,.0f} URLs per CPU-second"
    )


def handler_alone(home: Path, bodies: Sequence[bytes], warm: bool) -> float:
    """URLs per CPU-second of the route's own work (parse, verdicts, JSON) in this process,
    with the server's garbage-collector settings; no ASGI, no socket."""
    from counterspy.api.app import SERVER_GC_THRESHOLD
    from counterspy.api.verdicts import parse_urls, verdicts_payload
    from counterspy.infra.service import VerdictService
    from counterspy.workspace import Workspace

    svc = VerdictService(Workspace(home))
    engine = svc.engine()
    old = gc.get_threshold()
    gc.set_threshold(*SERVER_GC_THRESHOLD)
    gc.collect()
    gc.freeze()

    def once() -> None:
        for body in bodies:
            verdicts_payload(engine.check_many(parse_urls(body)), 1).encode()

    try:
        if warm:
            once()
        times = []
        for _ in range(3 if warm else 1):
            t0 = time.process_time()
            once()
            times.append(time.process_time() - t0)
        return BATCH * len(bodies) / statistics.median(times)
    finally:
        gc.unfreeze()
        gc.set_threshold(*old)
        svc.close()


def main(argv: Sequence[str] | None = None) -> None:
    from benchmarks.bench_verdict import build_indicator_index, url_sets

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--requests", type=int, default=20, help="10,000-URL requests per run")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip", nargs="*", default=[], choices=["warm", "cold", "handler"])
    ap.add_argument(
        "--baseline-src",
        type=Path,
        help="also serve from this package source tree (an older checkout's src/), alternating "
        "with this one, as a same-load peer",
    )
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores (shared, noisy)")
    rng = random.Random(20211216)
    _index, domains = build_indicator_index(args.indicators + 2_000, rng)
    del _index
    cold_n = BATCH * args.requests * args.repeat
    _distinct, realistic = url_sets(domains, rng, max(cold_n, 4 * BATCH))
    bodies = [
        json.dumps({"urls": realistic[i : i + BATCH]}).encode()
        for i in range(0, len(realistic), BATCH)
    ]
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        token = make_workspace(tmp, domains[: args.indicators])
        home = tmp / "home"

        servers = [("this", REPO / "src")]
        if args.baseline_src is not None:
            servers.append(("baseline", args.baseline_src.resolve()))

        def warm(label: str, src: Path) -> None:
            proc, port = start_server(home, args.workers, src)
            try:
                if label == "this":  # a baseline may judge differently; this tree must not
                    check_once(port, token, home, realistic[:BATCH])
                reqs = [request_bytes(b, token) for b in bodies[:4]]
                drive(port, reqs * 8, args.connections)  # every worker sees every body
                loop = [reqs[i % 4] for i in range(args.requests)]
                runs = [timed_run(proc, port, loop, args.connections) for _ in range(args.repeat)]
            finally:
                proc.terminate()
                proc.wait(timeout=60)
            report(f"{label}: warm (hosts seen before)", runs, args.workers)

        def cold(label: str, src: Path) -> None:
            proc, port = start_server(home, args.workers, src)
            try:
                runs = []
                for r in range(args.repeat):
                    part = bodies[r * args.requests : (r + 1) * args.requests]
                    reqs = [request_bytes(b, token) for b in part]
                    runs.append(timed_run(proc, port, reqs, args.connections))
            finally:
                proc.terminate()
                proc.wait(timeout=60)
            report(f"{label}: cold (30 % never-seen hosts per request)", runs, args.workers)

        def handler() -> None:
            w = handler_alone(home, bodies[:4], warm=True)
            c = handler_alone(home, bodies[4:24], warm=False)
            print(f"handler alone (parse + verdicts + JSON, one core): warm {w:,.0f} URLs/s, "
                  f"cold {c:,.0f} URLs/s")  # fmt: skip

        for name, stage in (("warm", warm), ("cold", cold)):
            if name not in args.skip:
                for label, src in servers:
                    print(f"[{name}, {label}] load {os.getloadavg()[0]:.1f}")
                    stage(label, src)
        if "handler" not in args.skip:
            print(f"[handler] load {os.getloadavg()[0]:.1f}")
            handler()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
