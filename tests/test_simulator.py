"""The simulator: contract, determinism, truth consistency, every firm and its phases."""
# ruff: noqa: S608  (SQL text built from test constants and temp paths)

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from counterspy.errors import CounterspyError
from counterspy.ingest.schema import ACCOUNTS, EVENTS, TARGETED_EVENT_TYPES
from counterspy.ingest.simulator import SimulationConfig, simulate
from counterspy.ingest.simulator.reference import firm_profiles
from counterspy.model.firms import FirmId

SMALL = 3_000


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "out"
    simulate(
        SimulationConfig(accounts=SMALL, days=21, seed=7, stealth=1, chunk_accounts=1_000), out
    )
    return out


def _db(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.sql(f"create view e as select * from read_parquet('{out}/events/*.parquet')")
    con.sql(f"create view a as select * from read_parquet('{out}/accounts/*.parquet')")
    for name in ("operators", "targets", "domains", "confounders", "operations"):
        con.sql(f"create view {name} as select * from read_parquet('{out}/truth/{name}.parquet')")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.sql(sql).fetchone()
    assert row is not None
    return row[0]


def test_parts_follow_the_data_contract_exactly(sim: Path) -> None:
    acc = sorted((sim / "accounts").glob("part-*.parquet"))
    ev = sorted((sim / "events").glob("part-*.parquet"))
    assert len(acc) == 3
    assert len(ev) == 3  # streamed: one part per block of 1,000 accounts
    for f in acc:
        assert pq.read_schema(f).remove_metadata() == ACCOUNTS.schema
    for f in ev:
        assert pq.read_schema(f).remove_metadata() == EVENTS.schema


def test_ids_unique_and_every_reference_resolves(sim: Path) -> None:
    con = _db(sim)
    assert _one(con, "select count(*) - count(distinct account_id) from a") == 0
    assert _one(con, "select count(*) from a") == SMALL
    assert _one(con, "select count(*) - count(distinct event_id) from e") == 0
    dangling = """select count(*) from e where actor_id not in (select account_id from a)
                  or (target_id is not null and target_id not in (select account_id from a))"""
    assert _one(con, dangling) == 0
    types = ", ".join(f"'{t}'" for t in TARGETED_EVENT_TYPES)
    assert (
        _one(con, f"select count(*) from e where event_type in ({types}) and target_id is null")
        == 0
    )
    assert _one(con, "select count(*) from e where target_id = actor_id") == 0
    for table in ("operators", "targets", "confounders"):
        assert (
            _one(
                con,
                f"select count(*) from {table} where account_id not in (select account_id from a)",
            )
            == 0
        )


def test_events_lie_in_the_period_and_after_the_actor_registered(sim: Path) -> None:
    con = _db(sim)
    outside = """select count(*) from e where ts < timestamptz '2021-10-01 00:00:00+00'
                 or ts >= timestamptz '2021-10-22 00:00:00+00'"""
    assert _one(con, outside) == 0
    early = "select count(*) from e join a on e.actor_id = a.account_id where e.ts < a.created_at"
    assert _one(con, early) == 0


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    cfg = SimulationConfig(accounts=2_500, days=10, seed=11, stealth=2)
    simulate(cfg, tmp_path / "a")
    simulate(cfg, tmp_path / "b")
    simulate(SimulationConfig(accounts=2_500, days=10, seed=12, stealth=2), tmp_path / "c")
    for sub in ("accounts", "events"):
        a = pq.read_table(tmp_path / "a" / sub)
        assert a.equals(pq.read_table(tmp_path / "b" / sub))
        assert not a.equals(pq.read_table(tmp_path / "c" / sub))
    for name in ("operators", "targets", "domains"):
        t = tmp_path / "a" / "truth" / f"{name}.parquet"
        assert pq.read_table(t).equals(pq.read_table(tmp_path / "b" / "truth" / f"{name}.parquet"))


def test_every_firm_runs_operations_reaching_its_phases(sim: Path) -> None:
    con = _db(sim)
    firms = {r[0] for r in con.sql("select distinct firm from operations").fetchall()}
    assert firms == {f.value for f in FirmId}
    for prof in firm_profiles():
        reached = {
            r[0]
            for r in con.sql(
                f"select distinct phase from targets where firm = '{prof.firm.value}'"
            ).fetchall()
        }
        listed = {p.value for p in prof.phases}
        assert reached <= listed, (prof.firm, reached, listed)
        assert max(prof.phases, key=lambda p: p.rank).value in reached, prof.firm


def test_truth_targets_received_events_matching_their_phase(sim: Path) -> None:
    con = _db(sim)
    # independent of the simulator's own phase code: recompute from raw events
    evidence = """
    with ev as (
      select o.operation_id, e.target_id, e.event_type, e.url,
             regexp_extract(e.url, '^https://([^/]+)/', 1) as host
      from e join operators o on e.actor_id = o.account_id where e.target_id is not null
    )
    select t.account_id, t.operation_id, t.phase,
      count(*) filter (where ev.event_type in ('profile_view', 'friend_list_view')) as recon,
      count(*) filter (where ev.event_type in ('friend_request', 'message') and ev.url is null)
        as engage,
      count(*) filter (where ev.event_type in ('message', 'link_share')
                       and ev.host in (select domain from domains d
                                       where d.operation_id = t.operation_id)) as exploit
    from targets t left join ev on ev.target_id = t.account_id
                               and ev.operation_id = t.operation_id
    group by all
    """
    rows = con.sql(evidence).fetchall()
    assert rows
    for account, op, phase, recon, engage, exploit in rows:
        need = {"reconnaissance": recon, "engagement": engage, "exploitation": exploit}[phase]
        assert need > 0, (account, op, phase)
        if phase == "reconnaissance":
            assert engage == 0
            assert exploit == 0, (account, op)
        if phase == "engagement":
            assert exploit == 0, (account, op)


def test_targets_are_half_flagged_principals_half_their_circle(sim: Path) -> None:
    con = _db(sim)
    share = _one(
        con,
        """select avg((a.at_risk is not null)::int) from
                        (select distinct account_id from targets) t join a using (account_id)""",
    )
    assert isinstance(share, float)
    assert 0.3 <= share <= 0.75
    # no operator account is also a target
    assert (
        _one(
            con,
            "select count(*) from targets where account_id in (select account_id from operators)",
        )
        == 0
    )


def test_operation_counts_match_truth_tables(sim: Path) -> None:
    con = _db(sim)
    mismatch = """select count(*) from operations o where n_accounts !=
                  (select count(*) from operators p where p.operation_id = o.operation_id)
                  or n_targets != (select count(*) from targets t
                                   where t.operation_id = o.operation_id)"""
    assert _one(con, mismatch) == 0


def test_domains_imitate_brands_or_are_fresh(sim: Path) -> None:
    con = _db(sim)
    styles = {r[0] for r in con.sql("select distinct style from domains").fetchall()}
    assert {"news_lookalike", "platform_lookalike", "shortener_lookalike", "fresh"} <= styles
    real = {"facebook.com", "instagram.com", "bit.ly", "kathimerini.gr", "whatsapp.com"}
    assert not real & {r[0] for r in con.sql("select domain from domains").fetchall()}


def test_bad_arguments_are_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(CounterspyError, match="too small") as e:
        simulate(SimulationConfig(accounts=100), tmp_path / "x")
    assert "--accounts" in e.value.hint
    with pytest.raises(CounterspyError, match="stealth"):
        simulate(SimulationConfig(stealth=4), tmp_path / "x")
    with pytest.raises(CounterspyError, match="stealth"):
        simulate(SimulationConfig(stealth=-1), tmp_path / "x")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(CounterspyError, match="not empty"):
        simulate(SimulationConfig(accounts=2_000), busy)
    assert (busy / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "x").exists()


def test_cli_simulate_writes_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counterspy.cli.main import main

    out = tmp_path / "cli"
    code = main(
        [
            "simulate",
            "--out",
            str(out),
            "--accounts",
            "2000",
            "--days",
            "7",
            "--stealth",
            "0",
            "--seed",
            "3",
        ]
    )
    assert code == 0
    assert "operations" in capsys.readouterr().out
    assert (out / "truth" / "meta.json").is_file()
    # even at the minimum size every operation has targets
    ops = pq.read_table(out / "truth" / "operations.parquet").to_pylist()
    assert {o["firm"] for o in ops} == {f.value for f in FirmId}
    assert min(o["n_targets"] for o in ops) > 0
    assert main(["simulate", "--out", str(out), "--accounts", "2000"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["simulate", "--out", str(tmp_path / "y"), "--stealth", "9"]) == 2
    assert main(["simulate", "--out", str(tmp_path / "z"), "--start", "yesterday"]) == 2


def test_each_target_is_profiled_before_contact_and_contacted_before_the_link(sim: Path) -> None:
    con = _db(sim)
    order = """
    with ev as (
      select o.operation_id, e.target_id, e.ts,
        case when e.url is not null and e.event_type in ('message', 'link_share') then 3
             when e.event_type in ('friend_request', 'message') then 2
             when e.event_type in ('profile_view', 'friend_list_view') then 1 end as step
      from e join operators o on e.actor_id = o.account_id
      join targets t on t.account_id = e.target_id and t.operation_id = o.operation_id
    ), firsts as (
      select operation_id, target_id, step, min(ts) as first_ts from ev
      where step is not null group by all
    )
    select count(*) filter (where a.first_ts > b.first_ts), count(*)
    from firsts a join firsts b using (operation_id, target_id) where a.step < b.step
    """
    row = con.sql(order).fetchone()
    assert row is not None
    out_of_order, pairs = row
    assert pairs > 20
    assert out_of_order == 0


def test_every_truth_domain_carries_links_to_targets(sim: Path) -> None:
    con = _db(sim)
    unused = """select count(*) from domains d where seen_in_events and not exists (
        select 1 from e join operators o on e.actor_id = o.account_id
        where o.operation_id = d.operation_id and e.url like 'https://' || d.domain || '/%')"""
    assert _one(con, "select count(*) from domains") > 10
    assert _one(con, unused) == 0
    # operations register more domains than they end up sending; most are used
    assert _one(con, "select avg(seen_in_events::int) from domains") > 0.6
    assert (
        _one(
            con,
            """select count(*) from domains d join operations o using (operation_id)
                        where o.phases not like '%exploitation%'""",
        )
        == 0
    )


def test_account_parts_are_in_id_order_revealing_no_layout(sim: Path) -> None:
    ids = [
        pq.read_table(f, columns=["account_id"]).column(0).to_pylist()
        for f in sorted((sim / "accounts").glob("part-*.parquet"))
    ]
    flat = [i for part in ids for i in part]
    assert flat == sorted(flat)


def test_events_per_account_is_honoured_on_average(sim: Path, tmp_path: Path) -> None:
    con = _db(sim)
    per = _one(con, "select count(*) / (select count(*) from a) from e")
    assert isinstance(per, float)
    assert 8.5 <= per <= 11.5
    s = simulate(SimulationConfig(accounts=2_000, days=10, events_per_account=30), tmp_path / "x")
    assert 25 <= s.events / s.accounts <= 35
    # heavy tail: the busiest 1 % of accounts produce far more than 1 % of events
    top = _one(
        con,
        """select sum(n) / (select count(*) from e) from (select count(*) n from e
                       group by actor_id order by n desc limit 30)""",
    )
    assert isinstance(top, float)
    assert top > 0.08
