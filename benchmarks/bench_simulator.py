"""Simulator throughput and peak memory.

Run: ``python -m benchmarks.bench_simulator --accounts 1000000 --repeat 3``. Each repeat runs
in a fresh subprocess so peak RSS (``ru_maxrss``) is per run; output directories go to a
temporary folder and are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    ram = psutil.virtual_memory().total / 2**30
    py = sys.version.split()[0]
    return f"{psutil.cpu_count()} CPUs ({_cpu_model()}), {ram:.0f} GiB RAM, Python {py}"


def _one_run(args: argparse.Namespace, out: Path) -> dict[str, float]:
    """Child process body: simulate once, report seconds, events and peak RSS."""
    from counterspy.ingest.simulator import SimulationConfig, simulate

    cfg = SimulationConfig(
        accounts=args.accounts,
        days=args.days,
        seed=args.seed,
        stealth=args.stealth,
        events_per_account=args.events_per_account,
        chunk_accounts=args.chunk_accounts,
    )
    t0 = time.perf_counter()
    s = simulate(cfg, out)
    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in out.rglob("*.parquet"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "events": float(s.events),
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "parquet_mib": size / 2**20,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--accounts", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stealth", type=int, default=2)
    p.add_argument("--events-per-account", type=float, default=10.0)
    p.add_argument("--chunk-accounts", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--keep", type=Path, default=None, help="write here and keep the output")
    p.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_one_run(args, args.child)))
        return
    results = []
    for i in range(args.repeat):
        base = args.keep or Path(tempfile.mkdtemp(prefix="bench-sim-"))
        out = base / f"run{i}"
        child = [sys.executable, "-m", "benchmarks.bench_simulator", *(argv or sys.argv[1:])]
        child = [a for a in child if a != "--keep" and a != str(args.keep)]
        done = subprocess.run(
            [*child, "--child", str(out)], check=True, capture_output=True, text=True
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    secs = [r["seconds"] for r in results]
    med = statistics.median(secs)
    ev = results[0]["events"]
    print(f"machine: {machine()}")
    print(
        f"accounts={args.accounts:,} events={ev:,.0f} days={args.days} stealth={args.stealth} "
        f"events/account={args.events_per_account} chunk={args.chunk_accounts:,}"
    )
    print(
        f"runs: {', '.join(f'{s:.1f}s' for s in secs)}; median {med:.1f}s "
        f"({ev / med / 1e6:.2f} M events/s)"
    )
    cpu = statistics.median(r["cpu_seconds"] for r in results)
    print(
        f"CPU time (user+sys, whole process incl. imports) median {cpu:.1f}s; "
        f"load average at end {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} CPUs"
    )
    print(
        f"peak RSS (max over runs): {max(r['peak_rss_mib'] for r in results):,.0f} MiB; "
        f"Parquet written: {results[0]['parquet_mib']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
