"""How many simulated operators leave any trace a detector could use: the ceiling on recall.

Run: ``python -m benchmarks.detect_ceiling --seeds 1 2 3 --stealth 0 1 2 3 --work DIR``.

For each (seed, stealth) the simulator writes a platform (20,000 accounts, 30 days; reused from
``--work`` when present, same layout as ``benchmarks.eval_detect``). Reading only the simulator's
own output (events and ground truth, not detection results), each operator account is put in the
first class that applies:

* ``acted``: at least one event on one of its own operation's targets;
* ``infra_only``: no such event, but it shares an IP address or a device with another operator
  of the same operation (visible only through the operation's infrastructure);
* ``silent``: neither — its events are indistinguishable cover activity (reactions, logins,
  shares of popular sites). No account-level or operation-level method can find it from the
  events alone; a platform would need data the contract does not carry (registration
  details, payment, internal leads).

The printed table feeds "Where it breaks" in docs/detection.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from counterspy.ingest import simulator

_CLASSES = """
with ops as (select * from read_parquet('{t}/operators.parquet')),
tg as (select * from read_parquet('{t}/targets.parquet')),
ev as (select actor_id, target_id, ip, device_id from read_parquet('{e}/*.parquet')
       where actor_id in (select account_id from ops)),
acted as (
  select distinct o.account_id from ops o
  join ev on ev.actor_id = o.account_id
  join tg on tg.account_id = ev.target_id and tg.operation_id = o.operation_id),
infra as (
  select o.account_id, o.operation_id, ev.ip, ev.device_id from ops o
  join ev on ev.actor_id = o.account_id),
shared as (
  select distinct a.account_id from infra a join infra b
  on a.operation_id = b.operation_id and a.account_id <> b.account_id
  and (a.ip = b.ip or a.device_id = b.device_id))
select
  count(*) filter (where account_id in (select * from acted)) as acted,
  count(*) filter (where account_id not in (select * from acted)
                   and account_id in (select * from shared)) as infra_only,
  count(*) filter (where account_id not in (select * from acted)
                   and account_id not in (select * from shared)) as silent,
  count(*) as operators
from ops
"""


def ceiling(sim: Path) -> tuple[int, int, int, int]:
    row = duckdb.sql(_CLASSES.format(t=sim / "truth", e=sim / "events")).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--stealth", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    print("| stealth | seed | operators | acted on a target | infrastructure only | silent |")
    print("|---|---|---:|---:|---:|---:|")
    for stealth in args.stealth:
        tot = [0, 0, 0, 0]
        for seed in args.seeds:
            sim = args.work / f"sim-{seed}-{stealth}" / "sim"
            if not (sim / "truth").is_dir():
                cfg = simulator.SimulationConfig(accounts=args.accounts, seed=seed, stealth=stealth)
                simulator.simulate(cfg, sim)
            a, i, s, n = ceiling(sim)
            tot = [tot[0] + a, tot[1] + i, tot[2] + s, tot[3] + n]
            print(f"| {stealth} | {seed} | {n} | {a} | {i} | {s} |")
        a, i, s, n = tot
        print(
            f"| {stealth} | all | {n} | {a} ({a / n:.1%}) | {i} ({i / n:.1%}) | {s} ({s / n:.1%}) |"
        )


if __name__ == "__main__":
    main()
