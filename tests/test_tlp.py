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
