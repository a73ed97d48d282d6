"""``simulate``: plan, generate in account blocks, stream Parquet parts, write ground truth."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from counterspy import __version__
from counterspy.errors import CounterspyError
from counterspy.ingest.simulator.accounts import accounts_table, id_order, name_table
from counterspy.ingest.simulator.batch import EventBatch, concat, to_table
from counterspy.ingest.simulator.benign import generate_block
from counterspy.ingest.simulator.config import SimulationConfig, SimulationSummary
from counterspy.ingest.simulator.confounders import assign_confounders
from counterspy.ingest.simulator.links import build_links, build_viral
from counterspy.ingest.simulator.operators import plan_operations
from counterspy.ingest.simulator.opevents import operation_events
from counterspy.ingest.simulator.population import Population, build_population
from counterspy.ingest.simulator.truth import target_phases, write_truth
from counterspy.progress import NULL_PROGRESS, Progress

COMPRESSION = "zstd"


def _check_out(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise CounterspyError(
            f"{out_dir} exists and is not a directory", hint="choose a new directory for --out"
        )
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise CounterspyError(
            f"{out_dir} is not empty: refusing to mix two simulations",
            hint="choose a new or empty directory for --out",
        )


def _write_events(batch: EventBatch, first: int, pop: Population, path: Path) -> int:
    table = to_table(batch, first, pop.countries)
    pq.write_table(table, path, compression=COMPRESSION)
    return int(table.num_rows)


def simulate(
    config: SimulationConfig, out_dir: Path, progress: Progress = NULL_PROGRESS
) -> SimulationSummary:
    """Simulate a platform with surveillance-for-hire operations; write telemetry and truth."""
    config.validate()
    out_dir = Path(out_dir)
    _check_out(out_dir)
    t0 = time.perf_counter()
    rng = np.random.default_rng([config.seed, 0])
    progress.begin("planning population and operations", None)
    pop = build_population(config, rng)
    confounders = assign_confounders(pop, config, rng)
    exclude = np.zeros(pop.n, dtype=bool)
    for idx in confounders.values():
        exclude[idx] = True
    plans = plan_operations(pop, config, rng, exclude)

    op_batches: list[EventBatch] = []
    reached = []
    used: list[set[str]] = []
    for i, plan in enumerate(plans):
        b = operation_events(
            pop, plan, config.profile, np.random.default_rng([config.seed, 1, i]), config.seed
        )
        op_batches.append(b)
        reached.append(target_phases(plan, b))
        hosts = {u.split("/")[2] for u in b.url.drop_null().to_pylist() if u}
        used.append({d for d, _ in plan.domains if d in hosts})
    extra = concat(op_batches)
    chunk = config.chunk_accounts
    block_of = extra.actor // chunk
    order = np.argsort(block_of, kind="stable")
    extra = extra.take(order)
    bounds = np.searchsorted(block_of[order], np.arange(0, pop.n // chunk + 2))

    (out_dir / "accounts").mkdir(parents=True)
    (out_dir / "events").mkdir()
    names = name_table(pop)
    n_blocks = (pop.n + chunk - 1) // chunk
    progress.begin("writing accounts", pop.n)
    by_id = id_order(pop.n)
    for k in range(n_blocks):
        lo, hi = k * chunk, min(pop.n, (k + 1) * chunk)
        pq.write_table(
            accounts_table(pop, names, by_id[lo:hi]),
            out_dir / "accounts" / f"part-{k:05d}.parquet",
            compression=COMPRESSION,
        )
        progress.advance(hi - lo)

    avoid = np.unique(
        np.concatenate(
            [np.add.outer(p.accounts * pop.n, p.targets).ravel() for p in plans]
            or [np.zeros(0, dtype=np.int64)]
        )
    )
    links = build_links(pop, config.seed)
    viral = build_viral(pop, links, np.random.default_rng([config.seed, 2]))
    viral_sharers = []
    n_events = 0
    progress.begin("generating events (accounts done)", pop.n)
    # Render + write of block k (Arrow/Parquet, GIL mostly released) overlaps generation of
    # block k+1 (numpy); at most one block waits, which bounds memory.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[int] | None = None
        for k in range(n_blocks):
            lo, hi = k * chunk, min(pop.n, (k + 1) * chunk)
            benign, sharers = generate_block(
                pop, lo, hi, links, viral, config.seed * 1_000_003 + 17, avoid
            )
            viral_sharers.append(sharers)
            batch = concat([benign, extra.take(np.arange(bounds[k], bounds[k + 1]))])
            if pending is not None:
                pending.result()
                progress.advance(chunk)
            path = out_dir / "events" / f"part-{k:05d}.parquet"
            pending = pool.submit(_write_events, batch, n_events, pop, path)
            n_events += len(batch)
        if pending is not None:
            pending.result()
            progress.advance(pop.n - (n_blocks - 1) * chunk)

    confounders["viral_sharer"] = np.unique(np.concatenate(viral_sharers))
    summary_counts = {
        "accounts": pop.n,
        "events": n_events,
        "operations": len(plans),
        "operators": int(sum(len(p.accounts) for p in plans)),
        "targets": int(sum(len(r[0]) for r in reached)),
        "domains": int(sum(len(p.domains) for p in plans)),
        "confounders": int(sum(len(v) for v in confounders.values())),
        "at_risk": int((pop.at_risk >= 0).sum()),
    }
    meta: dict[str, object] = {
        "seed": config.seed,
        "accounts": config.accounts,
        "days": config.days,
        "stealth": config.stealth,
        "events_per_account": config.events_per_account,
        "start": config.start_dt.isoformat(),
        "end": config.end_dt.isoformat(),
        "counterspy_version": __version__,
        "counts": summary_counts,
    }
    write_truth(out_dir, plans, reached, used, confounders, meta)
    per_firm: dict[str, list[int]] = {}
    for p, r in zip(plans, reached, strict=True):
        row = per_firm.setdefault(p.firm.firm.value, [0, 0, 0])
        row[0] += 1
        row[1] += len(p.accounts)
        row[2] += len(r[0])
    return SimulationSummary(
        out_dir=out_dir,
        seconds=time.perf_counter() - t0,
        event_files=n_blocks,
        per_firm=tuple((f, v[0], v[1], v[2]) for f, v in per_firm.items()),
        **summary_counts,
    )
