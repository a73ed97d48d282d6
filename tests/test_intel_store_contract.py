"""The intelligence store on every backend: SQLite and PostgreSQL (CI runs both)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counterspy.intel.importer import prepare_import
from counterspy.intel.store import (
    add_block,
    apply_import,
    current_version,
    list_blocks,
    list_indicators,
    load_index,
    remove_block,
    stats,
)
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def test_import_block_and_index_round_trip(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "ioc.csv"
    f.write_text(
        "indicator_type,indicator_value,comment,ds\n"
        "domain_name,evil[.]example,Cytrox Domain,2021-12-16\n"
        "ip_address,2001:db8::5,Cytrox server,2021-12-16\n"
        "url,hxxps://host[.]example/a/b,phish,2021-12-16\n",
        encoding="utf-8",
    )
    first = apply_import(store, prepare_import([f], source="meta"))
    again = apply_import(store, prepare_import([f], source="meta"))
    assert (first.inserted, again.inserted, again.updated) == (3, 0, 3)
    add_block(store, "198.51.100.0/24", reason="c2", added_by="ana")
    add_block(
        store,
        "old.example",
        reason="x",
        added_by="ana",
        expires=datetime.now(UTC) - timedelta(days=1),
    )
    assert current_version(store) == 4
    s = stats(store)
    assert (s.indicators, s.blocklist) == (3, 2)
    assert dict(s.by_actor) == {"cytrox": 2, "-": 1}
    rows = list_indicators(store, type_="url")
    assert [(r.normalized, r.line) for r in rows] == [("host.example/a/b", 4)]
    loaded = load_index(store)
    assert loaded.version == 4
    assert loaded.index.match_host("a.evil.example") is not None
    assert loaded.index.match_host("old.example") is None  # expired entry is not loaded
    import ipaddress

    assert loaded.index.match_ip(ipaddress.ip_address("198.51.100.9")) is not None
    assert loaded.index.match_ip(ipaddress.ip_address("2001:db8::5")) is not None
    assert {b.value for b in list_blocks(store)} == {"198.51.100.0/24", "old.example"}
    assert remove_block(store, "198.51.100.0/24") == 1
    assert remove_block(store, "198.51.100.0/24") == 0
