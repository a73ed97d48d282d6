"""DuckDB session settings of the analytics engine."""

from __future__ import annotations

import pytest

from counterspy.analytics.engine import MEMORY_LIMIT_ENV, connect
from counterspy.errors import CounterspyError


def _setting(con: object, name: str) -> str:
    rows = con.raw_sql(f"SELECT current_setting('{name}')").fetchall()  # type: ignore[attr-defined]
    return str(rows[0][0])


def test_memory_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1GB")
    limited = _setting(connect("duckdb"), "memory_limit")
    monkeypatch.delenv(MEMORY_LIMIT_ENV)
    default = _setting(connect("duckdb"), "memory_limit")
    assert limited != default
    assert limited.replace(" ", "") in {"953.6MiB", "1.0GiB", "1GB", "1000.0MB"}


@pytest.mark.parametrize("bad", ["lots", "10", "1GB; DROP TABLE x", "-1GB"])
def test_bad_memory_limit_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, bad)
    with pytest.raises(CounterspyError, match=MEMORY_LIMIT_ENV):
        connect("duckdb")


def test_duckdb_draws_no_progress_bar_of_its_own() -> None:
    # DuckDB's bar (on by default) would interleave with the CLI's rich progress.
    assert _setting(connect("duckdb"), "enable_progress_bar").lower() == "false"
