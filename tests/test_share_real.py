"""Real public indicators (../shared/data) re-exported: validator, MVT counts, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mvt.common.indicators import Indicators
from stix2validator import ValidationOptions, validate_instance

from counterspy.share.collect import CollectOptions, collect_findings
from counterspy.share.findings import Findings
from counterspy.share.importing import import_shared
from counterspy.share.stix import build_stix_bundle, dumps
from counterspy.share.tlp import Tlp
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

CYTROX = "amnesty/cytrox.stix2"
PEGASUS = "amnesty/pegasus.stix2"
META_CSV = "meta/2021_12_taking_action_against_surveillance_for_hire.csv"
INDICATORS_ONLY = CollectOptions(include_results=False)


def _findings(home: Path, files: list[Path], tlp: Tlp = Tlp.CLEAR) -> Findings:
    ws = Workspace(home)
    store = open_store(ws)
    try:
        import_shared(store, files, default_tlp=tlp, join_split=True)
        return collect_findings(ws, store, INDICATORS_ONLY)
    finally:
        store.dispose()


def _mvt_count(path: Path) -> tuple[int, Indicators]:
    mvt = Indicators()
    mvt.load_indicators_files([str(path)], load_default=False)
    return mvt.total_ioc_count, mvt


@pytest.fixture(scope="module")
def all_real(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip("real indicator data not found at ../shared/data")
    home = tmp_path_factory.mktemp("real")
    return _findings(home, [SHARED_DATA / CYTROX, SHARED_DATA / PEGASUS, SHARED_DATA / META_CSV])


def _sample(bundle: dict[str, object], per_kind: int = 5) -> dict[str, object]:
    """A bundle of the first few objects of each type and pattern path (the validator takes
    ~10 ms an object; the whole bundle is validated in the slow test)."""
    seen: dict[str, int] = {}
    keep = []
    objects = bundle["objects"]
    assert isinstance(objects, list)
    for o in objects:
        kind = str(o["type"]) + str(o.get("pattern", "")).split("=")[0]
        if seen.get(kind, 0) < per_kind:
            seen[kind] = seen.get(kind, 0) + 1
            keep.append(o)
    return {**bundle, "objects": keep}


def test_strict_reexport_of_all_real_indicators_sample_validates(all_real: Findings) -> None:
    bundle = build_stix_bundle(all_real, tlp=Tlp.CLEAR)
    sample = _sample(bundle)
    assert len(sample["objects"]) > 30  # type: ignore[arg-type]
    result = validate_instance(sample, ValidationOptions())
    assert [str(e) for e in result.errors] == []
    n = sum(1 for o in bundle["objects"] if isinstance(o, dict) and o["type"] == "indicator")
    assert n > 1700  # 336 + 1,438 domains, 312 Meta values (overlapping), hashes, emails


@pytest.mark.slow
def test_strict_reexport_of_all_real_indicators_has_no_validator_errors(all_real: Findings) -> None:
    bundle = build_stix_bundle(all_real, tlp=Tlp.CLEAR)
    result = validate_instance(bundle, ValidationOptions())
    assert [str(e) for e in result.errors] == []


def test_amnesty_bundle_itself_fails_the_validator_on_mvt_only_paths(shared_data: Path) -> None:
    """Why the strict profile exists: the original is not valid STIX 2.1."""
    original = json.loads((shared_data / CYTROX).read_text(encoding="utf-8"))
    original["objects"] = [
        o for o in original["objects"] if "configuration-profile" in str(o.get("pattern"))
    ]
    result = validate_instance(original, ValidationOptions())
    assert any("configuration-profile" in str(e) or "'id'" in str(e) for e in result.errors)


def test_mvt_counts_the_same_343_indicators_in_our_cytrox_reexport(
    shared_data: Path, tmp_path: Path
) -> None:
    original_count, _ = _mvt_count(shared_data / CYTROX)
    findings = _findings(tmp_path / "h", [shared_data / CYTROX])
    out = tmp_path / "cytrox-mvt.stix2"
    out.write_text(dumps(build_stix_bundle(findings, tlp=Tlp.CLEAR, profile="mvt")), "utf-8")
    count, mvt = _mvt_count(out)
    assert original_count == 343
    assert count == 343
    hit = mvt.check_domain("https://shortenurls.me/abc")
    assert hit is not None
    assert hit["name"] == "Predator"
    assert mvt.check_file_path("/private/var/tmp/hooker") is not None


def test_strict_cytrox_reexport_loads_in_mvt_without_the_mvt_only_paths(
    shared_data: Path, tmp_path: Path
) -> None:
    findings = _findings(tmp_path / "h", [shared_data / CYTROX])
    out = tmp_path / "cytrox.stix2"
    out.write_text(dumps(build_stix_bundle(findings, tlp=Tlp.CLEAR)), "utf-8")
    count, mvt = _mvt_count(out)
    assert count == 336  # the 6 file:path and 1 configuration-profile:id need --profile mvt
    assert mvt.check_domain("https://shortenurls.me/abc") is not None


@pytest.mark.parametrize("profile", ["strict", "mvt"])
def test_store_round_trip_export_import_export_is_identical(
    shared_data: Path, tmp_path: Path, profile: str
) -> None:
    first = _findings(tmp_path / "a", [shared_data / CYTROX, shared_data / META_CSV])
    text1 = dumps(build_stix_bundle(first, tlp=Tlp.CLEAR, profile=profile))
    exported = tmp_path / "first.stix2"
    exported.write_text(text1, "utf-8")
    second = _findings(tmp_path / "b", [exported], tlp=Tlp.RED)  # markings must win
    text2 = dumps(build_stix_bundle(second, tlp=Tlp.CLEAR, profile=profile))
    assert text1 == text2
