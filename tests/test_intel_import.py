from __future__ import annotations

import json
from pathlib import Path

import pytest

from counterspy.errors import InputError
from counterspy.intel.formats import READERS, SNIFF_ORDER, load_readers
from counterspy.intel.importer import prepare_import
from counterspy.intel.store import apply_import, list_indicators, stats
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

META_CSV = "meta/2021_12_taking_action_against_surveillance_for_hire.csv"
META_JSON = "meta/2021_12_taking_action_against_surveillance_for_hire.json"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reader_names_are_unique_and_all_sniffable() -> None:
    readers = load_readers()
    assert set(SNIFF_ORDER) == set(readers)
    assert len({cls.name for cls in READERS.values()}) == len(READERS)


def test_meta_csv_and_tsv_keep_provenance(tmp_path: Path) -> None:
    csv_file = write(
        tmp_path,
        "a.csv",
        "indicator_type,indicator_value,comment,ds\n"
        "domain_name,evil[.]com,Cytrox Domain,2021-12-16\n"
        "ip_address,192.0.2.5,Black Cube server,2021-12-16\n",
    )
    tsv_file = write(
        tmp_path,
        "b.tsv",
        "indicator_type\tindicator_value\tcomment\tds\n"
        "url\thxxps://bad[.]example/login\tphish\t2022-01-02\n",
    )
    plan = prepare_import([csv_file, tsv_file])
    got = {
        (p.norm.type, p.norm.normalized, p.raw.actor, p.line_text, p.raw.published)
        for p in plan.indicators
    }
    assert got == {
        ("domain", "evil.com", "cytrox", "2", "2021-12-16"),
        ("ip", "192.0.2.5", "black_cube", "3", "2021-12-16"),
        ("url", "bad.example/login", None, "2", "2022-01-02"),
    }
    assert plan.formats == ("meta-csv", "meta-csv")


def test_killchain_csv_loads_techniques_and_defanged_indicators(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "kc.csv",
        "Tactic,Technique,Procedure,Indicator,Comments\n"
        '0. Acquiring assets,0.6 Acquiring domains,"0.6.1 Acquiring domains to host,\n'
        'deploy malware",example[.]com,seen in campaign\n'
        ",,,,\n"
        "1. Disguising assets,1.5 Impersonating,1.5.1 Impersonating news website,"
        "see the report for details,\n"
        "1. Disguising assets,1.5 Impersonating,1.5.1 Impersonating news website,"
        "hxxp://fake-news[.]example/a,\n",
    )
    plan = prepare_import([f])
    assert [t.code for t, _src in plan.techniques] == ["0.6.1", "1.5.1"]
    assert [
        (p.norm.type, p.norm.normalized, p.raw.technique, p.line_text) for p in plan.indicators
    ] == [
        ("domain", "example.com", "0.6.1", "2"),
        ("url", "fake-news.example/a", "1.5.1", "6"),
    ]
    assert any("free text" in n and "line 5" in n for n in plan.notes)


def test_stix_and_misp_and_plain(tmp_path: Path) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {"type": "malware", "id": "malware--1", "name": "Predator"},
            {
                "type": "indicator",
                "id": "indicator--1",
                "pattern": "[domain-name:value='a.example']",
                "valid_from": "2021-12-16T00:00:00Z",
            },
            {
                "type": "indicator",
                "id": "indicator--2",
                "pattern": "[ipv4-addr:value='198.51.100.0/24']",
            },
            {
                "type": "relationship",
                "id": "relationship--1",
                "relationship_type": "indicates",
                "source_ref": "indicator--1",
                "target_ref": "malware--1",
            },
        ],
    }
    misp = {
        "Event": {
            "info": "Cobwebs infrastructure",
            "date": "2021-12-01",
            "uuid": "u1",
            "Attribute": [{"type": "domain|ip", "value": "b.example|203.0.113.9"}],
            "Object": [{"Attribute": [{"type": "url", "value": "http://c.example/x"}]}],
        }
    }
    s = write(tmp_path, "x.stix2", json.dumps(bundle))
    m = write(tmp_path, "event.json", json.dumps(misp))
    p = write(tmp_path, "list.txt", "# analyst list\nd.example  # seen in DMs\n\n2001:db8::1\n")
    plan = prepare_import([s, m, p])
    got = {(x.norm.type, x.norm.normalized, x.raw.actor) for x in plan.indicators}
    assert got == {
        ("domain", "a.example", "cytrox"),
        ("cidr", "198.51.100.0/24", None),
        ("domain", "b.example", "cobwebs"),
        ("ip", "203.0.113.9", "cobwebs"),
        ("url", "c.example/x", "cobwebs"),
        ("domain", "d.example", None),
        ("ip", "2001:db8::1", None),
    }
    assert plan.formats == ("stix2", "misp", "plain")


def test_malformed_row_names_file_and_line_and_nothing_is_written(
    tmp_path: Path, home: Path
) -> None:
    good = write(tmp_path, "good.txt", "ok.example\n")
    bad = write(
        tmp_path,
        "bad.csv",
        "indicator_type,indicator_value,comment,ds\n"
        "domain_name,fine.example,x,2021-01-01\n"
        "ip_address,300.1.2.3,x,2021-01-01\n",
    )
    with pytest.raises(InputError) as exc:
        prepare_import([good, bad])
    assert exc.value.file == str(bad)
    assert exc.value.row == 3
    assert "300.1.2.3" in exc.value.message
    assert "nothing was imported" in exc.value.hint
    store = open_store(Workspace.resolve(home))
    try:
        assert stats(store).indicators == 0
    finally:
        store.dispose()


def test_split_value_is_reported_with_both_lines_and_joined_on_request(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "split.csv",
        "indicator_type,indicator_value,comment,ds\n"
        "domain_name,a.example,x,2021-12-16\n"
        "domain_name,fbc8213450838f7ae251d4,x,2021-12-16\n"
        "domain_name,519c195138.xyz,x,2021-12-16\n",
    )
    with pytest.raises(InputError) as exc:
        prepare_import([f])
    assert exc.value.row == 3
    assert "rows 3 and 4" in exc.value.message
    assert "fbc8213450838f7ae251d4519c195138.xyz" in exc.value.message
    assert "--join-split" in exc.value.hint
    plan = prepare_import([f], join_split=True)
    assert [p.norm.normalized for p in plan.indicators] == [
        "a.example",
        "fbc8213450838f7ae251d4519c195138.xyz",
    ]
    assert plan.indicators[1].line_text == "3-4"


def test_a_dotted_bad_value_is_not_mistaken_for_a_split(tmp_path: Path) -> None:
    f = write(tmp_path, "l.txt", "amazing.lab\nancienthistory.xyz\n")
    plan = prepare_import([f])  # unknown TLD: kept with a note, not joined
    assert [p.norm.normalized for p in plan.indicators] == ["amazing.lab", "ancienthistory.xyz"]
    assert any("amazing.lab" in n for n in plan.notes)


def test_reimport_updates_instead_of_duplicating(tmp_path: Path, home: Path) -> None:
    f = write(tmp_path, "l.txt", "one.example\ntwo.example\n")
    store = open_store(Workspace.resolve(home))
    try:
        first = apply_import(store, prepare_import([f], source="s1"))
        second = apply_import(store, prepare_import([f], source="s1"))
        assert (first.inserted, second.inserted, second.updated) == (2, 0, 2)
        assert stats(store).version == 2
        rows = list_indicators(store, source="s1")
        assert {(r.normalized, Path(r.file or "").name, r.line) for r in rows} == {
            ("one.example", "l.txt", 1),
            ("two.example", "l.txt", 2),
        }
    finally:
        store.dispose()


def test_real_meta_and_amnesty_files(shared_data: Path) -> None:
    with pytest.raises(InputError, match="rows 85 and 86"):
        prepare_import([shared_data / META_CSV])
    plan = prepare_import([shared_data / META_CSV, shared_data / META_JSON], join_split=True)
    per_file = {f: sum(1 for p in plan.indicators if p.file.endswith(f)) for f in (".csv", ".json")}
    assert per_file == {".csv": 312, ".json": 312}
    assert all(p.raw.actor == "cytrox" for p in plan.indicators)
    stix = prepare_import(
        [shared_data / "amnesty/cytrox.stix2", shared_data / "amnesty/pegasus.stix2"]
    )
    assert sum(1 for p in stix.indicators if p.file.endswith("cytrox.stix2")) == 343
    assert sum(1 for p in stix.indicators if p.file.endswith("pegasus.stix2")) == 1549
    kc = prepare_import([shared_data / "meta/Online_Operations_Killchain-TTPs.csv"])
    assert len(kc.techniques) == 161
    assert kc.indicators == ()
