"""What ties missed idle operators (no event naming one of their operation's targets) to
their operation: the traces a platform could see, per firm and role.

Run: ``python -m benchmarks.idle_traces --work DIR --stealth 2`` on a ``benchmarks.eval_detect``
work dir (``sim-<seed>-<stealth>/sim`` and ``sim-<seed>-<stealth>/home/results``). For every
operator that detection missed and that never acted on one of its operation's targets, counts
how many share with another operator of the same operation (ground truth, found or not): an
address used by at most ``--max-users`` accounts (``rare_address``; ``…_found``: with a flagged
one), a device, a profile photo; and how many share none of those (``no_shared_key``). The
figures behind docs/detection.md, "Session 8: idle personas".
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

_SEED = "regexp_extract(filename, 'sim-(\\d+)-', 1)::int seed"

_SETUP = """
create table o as select *, {seed}
  from read_parquet('{w}/sim-*-{s}/sim/truth/operators.parquet', filename = true);
create table tg as select *, {seed}
  from read_parquet('{w}/sim-*-{s}/sim/truth/targets.parquet', filename = true);
create table fl as select account_id, {seed}
  from read_parquet('{w}/sim-*-{s}/home/results/accounts/*.parquet', filename = true)
  where flagged;
create table acc as select account_id, photo_hash, {seed}
  from read_parquet('{w}/sim-*-{s}/sim/accounts/*.parquet', filename = true);
create table ev as select actor_id, target_id, ip, device_id, {seed}
  from read_parquet('{w}/sim-*-{s}/sim/events/*.parquet', filename = true);
create table ippop as select seed, ip, count(distinct actor_id) n from ev
  where ip is not null group by all;
create table keys as select distinct seed, actor_id, ip, device_id from ev
  semi join o on o.seed = ev.seed and o.account_id = ev.actor_id;
create table touched as select o.seed, o.account_id, count(distinct tg.account_id) n
  from o left join ev on ev.seed = o.seed and ev.actor_id = o.account_id
  left join tg on tg.seed = o.seed and tg.account_id = ev.target_id
    and tg.operation_id = o.operation_id
  group by all;
create table mi as select o.* from o
  join touched t on t.seed = o.seed and t.account_id = o.account_id and t.n = 0
  anti join fl on fl.seed = o.seed and fl.account_id = o.account_id;
create table mate as select o.seed, o.operation_id, o.account_id,
  fl.account_id is not null found
  from o left join fl on fl.seed = o.seed and fl.account_id = o.account_id;
create table ipm as select distinct x.seed, x.actor_id, m.found from keys x
  join ippop p on p.seed = x.seed and p.ip = x.ip and p.n <= {u}
  join keys y on y.seed = x.seed and y.ip = x.ip and y.actor_id <> x.actor_id
  join mate m on m.seed = y.seed and m.account_id = y.actor_id
  join mi on mi.seed = x.seed and mi.account_id = x.actor_id
    and mi.operation_id = m.operation_id;
create table devm as select distinct x.seed, x.actor_id from keys x
  join keys y on y.seed = x.seed and y.device_id = x.device_id and y.actor_id <> x.actor_id
  join mate m on m.seed = y.seed and m.account_id = y.actor_id
  join mi on mi.seed = x.seed and mi.account_id = x.actor_id
    and mi.operation_id = m.operation_id;
create table photom as select distinct x.seed, x.account_id actor_id from acc x
  join acc y on y.seed = x.seed and y.photo_hash = x.photo_hash
    and y.account_id <> x.account_id
  join mate m on m.seed = y.seed and m.account_id = y.account_id
  join mi on mi.seed = x.seed and mi.account_id = x.account_id
    and mi.operation_id = m.operation_id;
"""

_REPORT = """
select mi.firm, mi.role, count(*) missed_idle,
  count(*) filter (where exists (select 1 from ipm where ipm.seed = mi.seed
    and ipm.actor_id = mi.account_id and ipm.found)) rare_address_found,
  count(*) filter (where exists (select 1 from ipm where ipm.seed = mi.seed
    and ipm.actor_id = mi.account_id)) rare_address,
  count(*) filter (where exists (select 1 from devm where devm.seed = mi.seed
    and devm.actor_id = mi.account_id)) device,
  count(*) filter (where exists (select 1 from photom where photom.seed = mi.seed
    and photom.actor_id = mi.account_id)) photo,
  count(*) filter (where not exists (select 1 from ipm where ipm.seed = mi.seed
    and ipm.actor_id = mi.account_id)
    and not exists (select 1 from devm where devm.seed = mi.seed
    and devm.actor_id = mi.account_id)
    and not exists (select 1 from photom where photom.seed = mi.seed
    and photom.actor_id = mi.account_id)) no_shared_key
from mi group by rollup (mi.firm, mi.role) order by missed_idle desc, 1, 2
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="eval_detect --work directory")
    ap.add_argument("--stealth", type=int, default=2)
    ap.add_argument("--max-users", type=int, default=6, help="rare address: at most this many")
    args = ap.parse_args()
    con = duckdb.connect()
    setup = _SETUP.format(w=args.work.as_posix(), s=args.stealth, u=args.max_users, seed=_SEED)
    for stmt in setup.split(";"):
        if stmt.strip():
            con.sql(stmt)
    con.sql(_REPORT).show(max_rows=100)


if __name__ == "__main__":
    main()
