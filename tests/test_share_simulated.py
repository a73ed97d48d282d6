"""Exports of a simulated run (simulate → ingest → detect → share export): validator, MVT,
no target leaks, k-anonymous counts, the TLP gate on every format."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from mvt.common.indicators import Indicators
from stix2validator import ValidationOptions, validate_instance

from counterspy.detect.run import detect_workspace
from counterspy.ingest.load import ingest
from counterspy.ingest.simulator.config import SimulationConfig
from counterspy.ingest.simulator.core import simulate
from counterspy.share.collect import CollectOptions, collect_findings
from counterspy.share.findings import Findings
from counterspy.share.stix import build_stix_bundle, dumps
from counterspy.share.tlp import Tlp, tlp_of_tags
from counterspy.share.writers import writer
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

K = 5


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    root = tmp_path_factory.mktemp("sim")
    sim = root / "input"
    simulate(SimulationConfig(accounts=3000, seed=3, stealth=1, start=dt.date(2021, 10, 1)), sim)
    ws = Workspace(root / "ws")
    ingest(ws, [sim])
    detect_workspace(ws)
    return ws, sim


@pytest.fixture(scope="module")
def findings(run: tuple[Workspace, Path]) -> Findings:
    ws, _ = run
    store = open_store(ws)
    try:
        return collect_findings(ws, store, CollectOptions(k=K))
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def exports(findings: Findings) -> dict[str, str]:
    out = {
        f"stix-{p}": writer("stix").write(findings, tlp=Tlp.RED, profile=p).text
        for p in ("strict", "mvt")
    }
    out["misp"] = writer("misp").write(findings, tlp=Tlp.RED, profile="strict").text
    out["meta-csv"] = writer("meta-csv").write(findings, tlp=Tlp.RED, profile="strict").text
    return out


def test_simulated_run_has_something_to_share(findings: Findings) -> None:
    assert len(findings.operations) >= 2
    assert any(o.firm for o in findings.operations)
    assert findings.sightings
    assert findings.aggregates
    assert any(i.operations for i in findings.indicators)


def test_strict_export_of_a_simulated_run_has_no_validator_errors(exports: dict[str, str]) -> None:
    result = validate_instance(json.loads(exports["stix-strict"]), ValidationOptions())
    assert [str(e) for e in result.errors] == []


def test_no_target_identifier_or_name_in_any_export(
    run: tuple[Workspace, Path], exports: dict[str, str]
) -> None:
    _, sim = run
    targets = set(pd.read_parquet(sim / "truth" / "targets.parquet")["account_id"])
    accounts = pd.concat(pd.read_parquet(p) for p in sorted((sim / "accounts").glob("*.parquet")))
    names = set(accounts.loc[accounts["account_id"].isin(targets), "display_name"])
    assert len(targets) > 50
    for fmt, text in exports.items():
        leaked_ids = [t for t in targets if t in text]
        assert leaked_ids == [], f"{fmt} names targets {leaked_ids[:5]}"
        leaked_names = [n for n in names if len(n) >= 6 and n in text]
        assert leaked_names == [], f"{fmt} names targets {leaked_names[:5]}"


def test_every_target_count_describes_at_least_k_people(
    findings: Findings, exports: dict[str, str]
) -> None:
    assert all(a.count >= K for a in findings.aggregates)
    counts = [int(n) for n in re.findall(r"(\d+) targeted accounts \(", exports["stix-strict"])]
    assert counts
    assert min(counts) >= K


def test_mvt_finds_a_detected_bad_domain(
    findings: Findings, exports: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "run.stix2"
    path.write_text(exports["stix-mvt"], encoding="utf-8")
    mvt = Indicators()
    mvt.load_indicators_files([str(path)], load_default=False)
    assert mvt.total_ioc_count == sum(1 for i in findings.indicators if i.kind == "domain")
    detected = next(i for i in findings.indicators if i.operations)
    assert mvt.check_domain(f"https://{detected.value}/x") is not None


@pytest.mark.parametrize("ceiling", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER])
def test_gate_holds_detections_above_the_ceiling_in_every_format(
    findings: Findings, ceiling: Tlp
) -> None:
    # everything in the simulated run is at the default level, AMBER
    amber_values = {i.value for i in findings.indicators}
    passes = ceiling.allows(Tlp.AMBER)
    for fmt in ("stix", "misp", "meta-csv"):
        text = writer(fmt).write(findings, tlp=ceiling, profile="strict").text
        assert all((v in text) == passes for v in amber_values), (fmt, ceiling)
    bundle = build_stix_bundle(findings, tlp=ceiling)
    kinds = {o["type"] for o in bundle["objects"]}  # type: ignore[union-attr]
    assert ("intrusion-set" in kinds) == passes
    assert ("sighting" in kinds) == passes
    misp = json.loads(writer("misp").write(findings, tlp=ceiling, profile="strict").text)
    for attr in misp["Event"].get("Attribute", []):
        level = tlp_of_tags(t["name"] for t in attr["Tag"])
        assert level is not None
        assert ceiling.allows(level)


def test_reexport_is_byte_identical(findings: Findings) -> None:
    assert dumps(build_stix_bundle(findings, tlp=Tlp.AMBER)) == dumps(
        build_stix_bundle(findings, tlp=Tlp.AMBER)
    )
