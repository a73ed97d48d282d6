"""Stealth levels move distributions in the documented direction; confounders behave."""

# ruff: noqa: S608  (SQL text built from test constants and temp paths)
from __future__ import annotations

import duckdb
import pytest

from counterspy.ingest.simulator import SimulationConfig, simulate
from counterspy.ingest.simulator.reference import VPN_ASNS


def _run(tmp: pytest.TempPathFactory, stealth: int) -> duckdb.DuckDBPyConnection:
    out = tmp.mktemp(f"stealth{stealth}") / "out"
    simulate(SimulationConfig(accounts=6_000, days=30, seed=21, stealth=stealth), out)
    con = duckdb.connect()
    con.sql(f"create view e as select * from read_parquet('{out}/events/*.parquet')")
    con.sql(f"create view a as select * from read_parquet('{out}/accounts/*.parquet')")
    for name in ("operators", "targets", "confounders"):
        con.sql(f"create view {name} as select * from read_parquet('{out}/truth/{name}.parquet')")
    con.sql(
        "create view oe as select e.*, o.operation_id from e join operators o "
        "on e.actor_id = o.account_id"
    )
    return con


@pytest.fixture(scope="module")
def blatant(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return _run(tmp_path_factory, 0)


@pytest.fixture(scope="module")
def careful(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return _run(tmp_path_factory, 3)


def _val(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.sql(sql).fetchone()
    assert row is not None
    return float(row[0])


AGE = """select median(date_diff('day', a.created_at, timestamptz '2021-10-01 00:00:00+00'))
         from operators o join a using (account_id)"""
ASNS = """select median(n) from (select operation_id, count(distinct asn) n from oe group by 1)"""
PER_OPERATOR = """select median(n) from (select actor_id, count(*) n from oe
                  where event_type in ('profile_view', 'friend_list_view', 'search')
                  group by 1)"""
FAST = """select avg(f) from (select (ts - lag(ts) over (partition by actor_id order by ts)
          < interval 5 second)::int f from oe)"""
HOME_IP = (
    """select avg((a.country = oe.country)::int) from oe join a on a.account_id = oe.actor_id"""
)
COVER = """select count(*) / (select count(*) from operators) from oe
           where event_type in ('reaction', 'comment', 'post')"""


def test_careful_operators_use_older_accounts(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    assert _val(blatant, AGE) < 30
    assert _val(careful, AGE) > 180


def test_careful_operations_spread_over_more_networks(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    assert _val(blatant, ASNS) <= 2
    assert _val(careful, ASNS) >= 4
    # and their addresses sit in the country the persona claims
    assert _val(blatant, HOME_IP) < 0.3
    assert _val(careful, HOME_IP) > 0.6


def test_blatant_operators_act_in_machine_speed_bursts_and_at_volume(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    assert _val(blatant, FAST) > 0.3
    assert _val(careful, FAST) < 0.15
    assert _val(blatant, PER_OPERATOR) > 2 * _val(careful, PER_OPERATOR)


def test_only_careful_operators_keep_up_cover_activity(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    assert _val(blatant, COVER) < 0.5
    assert _val(careful, COVER) > 2


def test_every_confounder_kind_is_present(careful: duckdb.DuckDBPyConnection) -> None:
    kinds = {r[0] for r in careful.sql("select distinct kind from confounders").fetchall()}
    assert kinds >= {
        "researcher",
        "recruiter",
        "ngo",
        "social_media_manager",
        "viral_sharer",
        "shared_ip",
        "new_account",
        "vpn_user",
    }


def _median_per_kind(con: duckdb.DuckDBPyConnection, kind: str, event: str, distinct: str) -> float:
    return _val(
        con,
        f"""select median(n) from (select c.account_id, count({distinct}) n
                 from confounders c left join e on e.actor_id = c.account_id
                 and e.event_type = '{event}' where c.kind = '{kind}' group by 1)""",
    )


def _median_ordinary(con: duckdb.DuckDBPyConnection, event: str, distinct: str) -> float:
    return _val(
        con,
        f"""select median(n) from (select a.account_id, count({distinct}) n
                 from a left join e on e.actor_id = a.account_id and e.event_type = '{event}'
                 where a.account_id not in (select account_id from confounders)
                 and a.account_id not in (select account_id from operators) group by 1)""",
    )


def test_researchers_view_many_profiles_including_at_risk_ones(
    careful: duckdb.DuckDBPyConnection,
) -> None:
    base = _median_ordinary(careful, "profile_view", "e.event_id")
    assert _median_per_kind(careful, "researcher", "profile_view", "e.event_id") > 4 * max(base, 1)
    at_risk_views = _val(
        careful,
        """select count(*) from e
        join confounders c on c.account_id = e.actor_id and c.kind = 'researcher'
        join a on a.account_id = e.target_id and a.at_risk is not null
        where e.event_type = 'profile_view'""",
    )
    assert at_risk_views > 50


def test_recruiters_and_ngos_message_many_people(careful: duckdb.DuckDBPyConnection) -> None:
    base = _median_ordinary(careful, "message", "distinct e.target_id")
    for kind in ("recruiter", "ngo"):
        assert _median_per_kind(careful, kind, "message", "distinct e.target_id") > 3 * max(base, 1)


def test_page_managers_run_several_pages_from_one_device(
    careful: duckdb.DuckDBPyConnection,
) -> None:
    most = _val(
        careful,
        """select max(n) from (select e.device_id, count(distinct e.actor_id) n
        from e join confounders c on c.account_id = e.actor_id
        where c.kind = 'social_media_manager' group by 1)""",
    )
    assert most >= 3


def test_viral_links_are_shared_by_many_within_minutes(careful: duckdb.DuckDBPyConnection) -> None:
    burst = _val(
        careful,
        """select max(n) from (select url, count(distinct actor_id) n from e
        where event_type = 'link_share' group by url, time_bucket(interval 1 hour, ts))""",
    )
    assert burst >= 20
    flagged = _val(careful, """select count(*) from confounders where kind = 'viral_sharer'""")
    assert flagged >= 20


def test_shared_addresses_newcomers_and_vpn_users(careful: duckdb.DuckDBPyConnection) -> None:
    per_ip = _val(
        careful,
        """select max(n) from (select e.ip, count(distinct e.actor_id) n
        from e join confounders c on c.account_id = e.actor_id and c.kind = 'shared_ip'
        group by 1)""",
    )
    assert per_ip >= 10
    late = _val(
        careful,
        """select min(a.created_at >= timestamptz '2021-10-01 00:00:00+00')::int
        from confounders c join a using (account_id) where c.kind = 'new_account'""",
    )
    assert late == 1
    assert _median_per_kind(careful, "new_account", "friend_request", "e.event_id") > 1
    asns = ", ".join(str(x) for x in VPN_ASNS)
    off_vpn = _val(
        careful,
        f"""select count(*) from e join confounders c
        on c.account_id = e.actor_id and c.kind = 'vpn_user' where e.asn not in ({asns})
        """,
    )
    assert off_vpn == 0


def test_benign_activity_follows_local_evenings_not_nights(
    careful: duckdb.DuckDBPyConnection,
) -> None:
    # Greece (UTC+3 in October): evenings 19-22 local are busier than 02-05 local
    night = _val(
        careful,
        """select count(*) from e join a on a.account_id = e.actor_id
        where a.country = 'GR' and hour(e.ts + interval 3 hour) between 2 and 4""",
    )
    evening = _val(
        careful,
        """select count(*) from e join a on a.account_id = e.actor_id
        where a.country = 'GR' and hour(e.ts + interval 3 hour) between 19 and 21""",
    )
    assert evening > 3 * night


def test_at_risk_population_is_a_small_minority(careful: duckdb.DuckDBPyConnection) -> None:
    share = _val(careful, "select avg((at_risk is not null)::int) from a")
    assert 0.004 <= share <= 0.02


def test_docs_show_the_stealth_parameters_the_code_uses() -> None:
    from counterspy.ingest.simulator.config import stealth_markdown
    from tests.conftest import REPO

    page = (REPO / "docs" / "simulator.md").read_text(encoding="utf-8")
    assert stealth_markdown() in page, "docs/simulator.md stealth table differs from STEALTH"


def test_shared_photos_and_devices_occur_among_ordinary_users_too(
    careful: duckdb.DuckDBPyConnection,
) -> None:
    photo = _val(
        careful,
        """select count(*) from (select photo_hash from a
        where photo_hash is not null and account_id not in (select account_id from operators)
        group by 1 having count(*) > 1)""",
    )
    assert photo > 5
    device = _val(
        careful,
        """select count(*) from (select device_id from e
        where actor_id not in (select account_id from operators)
        and actor_id not in (select account_id from confounders)
        group by 1 having count(distinct actor_id) > 1)""",
    )
    assert device > 5


def test_blatant_operators_slip_their_home_language(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    from counterspy.ingest.simulator.reference import countries

    pairs = ", ".join(f"('{c.code}', '{c.locale}')" for c in countries())
    sql = f"""select avg((a.locale not in (l.locale, 'en-US'))::int) from operators o
        join a using (account_id) join (values {pairs}) l(code, locale) on l.code = a.country"""
    assert _val(blatant, sql) > 0.2
    assert _val(careful, sql) == 0


def test_operations_co_act_on_targets_and_share_devices(
    blatant: duckdb.DuckDBPyConnection, careful: duckdb.DuckDBPyConnection
) -> None:
    co_action = """select count(*) from (select operation_id, target_id from oe
        where event_type = 'profile_view' and target_id in (select account_id from targets)
        group by all having count(distinct actor_id) >= 2)"""
    assert _val(blatant, co_action) > 10
    assert _val(careful, co_action) > 0
    shared_device = """select avg(s::int) from (select operation_id,
        max(n) >= 2 as s from (select operation_id, device_id, count(distinct actor_id) n
        from oe group by all) group by 1)"""
    assert _val(blatant, shared_device) > 0.8
    assert _val(careful, shared_device) < _val(blatant, shared_device)
