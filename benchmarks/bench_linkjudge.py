"""CPU time of the link-judging stage alone (``judge_domains`` with the built-in heuristic).

Run: ``python -m benchmarks.bench_linkjudge --work DIR --stealth 2`` on a
``benchmarks.eval_detect`` work dir; run it once with ``PYTHONPATH=<other checkout>/src`` for
the same-run "before". Per simulated platform (``sim-<seed>-<stealth>/sim``) the per-domain
statistics of ``detect.links.domain_stats`` are computed once with DuckDB from the raw events
(senders, events, recipients, at-risk recipients, a sample URL; hosts parsed as
``detect.base.url_domain`` does), then ``judge_domains`` is timed in CPU seconds — the stage
whose cost grows with the number of distinct rare domains, which the synthetic 10M-event
benchmark (six benign domains) does not exercise.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import pandas as pd

from counterspy.detect.base import _DOMAIN_RE
from counterspy.detect.links import judge_domains

_STATS = """
with ev as (
  select actor_id, target_id, url,
    regexp_replace(regexp_replace(lower(regexp_extract(url, '{re}', 1)), '^www\\.', ''), '\\.$', '')
      as dom
  from read_parquet('{d}/events/*.parquet')
  where url is not null and event_type in ('link_share', 'message', 'post', 'comment')),
acc as (select account_id, at_risk from read_parquet('{d}/accounts/*.parquet'))
select dom as domain, count(distinct actor_id) n_senders, count(*) n_events,
  count(distinct target_id) n_recipients,
  count(distinct target_id) filter (where a.at_risk is not null and a.at_risk not in ('', 'none'))
    n_at_risk_recipients,
  min(url) sample_url
from ev left join acc a on a.account_id = ev.target_id where dom <> '' group by all
"""


def platform_stats(sim: Path) -> pd.DataFrame:
    q = _STATS.format(re=_DOMAIN_RE.replace("'", "''"), d=sim.as_posix())
    return duckdb.sql(q).df()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="eval_detect --work directory")
    ap.add_argument("--stealth", type=int, default=2)
    args = ap.parse_args()
    sims = sorted(args.work.glob(f"sim-*-{args.stealth}/sim"))
    frames = [platform_stats(s) for s in sims]
    cpu = 0.0
    n_bad = 0
    for st in frames:
        t0 = time.process_time()
        n_bad += len(judge_domains(st))
        cpu += time.process_time() - t0
    n = sum(len(f) for f in frames)
    print(
        f"{len(frames)} platforms, {n} distinct domains, {n_bad} judged bad: "
        f"{cpu:.2f} CPU-s ({1e6 * cpu / max(n, 1):.1f} µs per domain)"
    )


if __name__ == "__main__":
    main()
