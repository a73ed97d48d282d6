"""Operator recall per firm and role: which kinds of operator accounts detection misses.

Run: ``python -m benchmarks.miss_roles --work DIR --stealth 2`` on a ``benchmarks.eval_detect``
work dir (``sim-<seed>-<stealth>/sim/truth`` and ``sim-<seed>-<stealth>/home/results``). Per
(firm, role) of the simulator's ground truth: operators, how many detection flagged, recall,
and how many of the missed touched 0 or exactly 1 of their own operation's targets (no event
naming one) — the reachability figures quoted in docs/detection.md, session 7.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

_QUERY = """
with o as (
  select *, regexp_extract(filename, 'sim-(\\d+)-', 1)::int seed
  from read_parquet('{w}/sim-*-{s}/sim/truth/operators.parquet', filename = true)),
tg as (
  select *, regexp_extract(filename, 'sim-(\\d+)-', 1)::int seed
  from read_parquet('{w}/sim-*-{s}/sim/truth/targets.parquet', filename = true)),
a as (
  select account_id, regexp_extract(filename, 'sim-(\\d+)-', 1)::int seed
  from read_parquet('{w}/sim-*-{s}/home/results/accounts/*.parquet', filename = true)
  where flagged),
ev as (
  select e.actor_id, e.target_id, regexp_extract(filename, 'sim-(\\d+)-', 1)::int seed
  from read_parquet('{w}/sim-*-{s}/sim/events/*.parquet', filename = true) e
  semi join o on o.account_id = e.actor_id),
touched as (
  select o.seed, o.account_id, count(distinct tg.account_id) n
  from o left join ev on ev.seed = o.seed and ev.actor_id = o.account_id
  left join tg on tg.seed = o.seed and tg.account_id = ev.target_id
    and tg.operation_id = o.operation_id
  group by all)
select o.firm, o.role, count(*) operators, count(a.account_id) found,
  round(count(a.account_id) / count(*), 3) recall,
  count(*) filter (where a.account_id is null and t.n = 0) missed_touching_none,
  count(*) filter (where a.account_id is null and t.n = 1) missed_touching_one
from o left join a on a.seed = o.seed and a.account_id = o.account_id
join touched t on t.seed = o.seed and t.account_id = o.account_id
group by all order by operators - found desc, o.firm, o.role
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="eval_detect --work directory")
    ap.add_argument("--stealth", type=int, default=2)
    args = ap.parse_args()
    con = duckdb.connect()
    con.sql(_QUERY.format(w=args.work.as_posix(), s=args.stealth)).show(max_rows=100)


if __name__ == "__main__":
    main()
