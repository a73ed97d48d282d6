import pytest

from counterspy.errors import CounterspyError
from counterspy.share.tlp import MARKING_IDS, Tlp, tlp_of


def test_order_and_gate() -> None:
    assert Tlp.GREEN.allows(Tlp.CLEAR)
    assert Tlp.AMBER.allows(Tlp.AMBER)
    assert not Tlp.AMBER.allows(Tlp.AMBER_STRICT)
    assert not Tlp.CLEAR.allows(Tlp.GREEN)
    assert Tlp.RED.allows(Tlp.AMBER_STRICT)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("TLP:WHITE", Tlp.CLEAR),
        ("amber+strict", Tlp.AMBER_STRICT),
        ("TLP:AMBER_STRICT", Tlp.AMBER_STRICT),
        (" Red ", Tlp.RED),
    ],
)
def test_parse(text: str, level: Tlp) -> None:
    assert Tlp.parse(text) is level


def test_parse_rejects_unknown() -> None:
    with pytest.raises(CounterspyError, match="unknown TLP level"):
        Tlp.parse("purple")


def test_tlp_of_takes_most_restrictive_and_defaults_to_red() -> None:
    obj = {"object_marking_refs": [MARKING_IDS[Tlp.GREEN], MARKING_IDS[Tlp.AMBER]]}
    assert tlp_of(obj) is Tlp.AMBER
    assert tlp_of({"type": "indicator"}) is Tlp.RED
    assert (
        tlp_of({"object_marking_refs": ["marking-definition--other"]}, default=Tlp.GREEN)
        is Tlp.GREEN
    )


def test_marking_definitions_match_the_oasis_tlp2_objects() -> None:
    from counterspy.share.tlp import TLP2_EXTENSION_ID, marking_definition

    amber_strict = marking_definition(Tlp.AMBER_STRICT)
    assert amber_strict == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}
        },
    }
    assert marking_definition(Tlp.RED)["id"] == (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    )


def test_misp_tags_give_the_most_restrictive_level() -> None:
    from counterspy.share.tlp import tlp_of_tags

    assert tlp_of_tags(["tlp:green", "TLP:AMBER+STRICT", "osint"]) is Tlp.AMBER_STRICT
    assert tlp_of_tags(["tlp:white"]) is Tlp.CLEAR
    assert tlp_of_tags(["tlp:purple", "osint"]) is None
