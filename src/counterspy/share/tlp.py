"""Traffic Light Protocol 2.0 levels and their STIX 2.1 marking definitions.

The ``stix2`` library only ships TLP 1.0 (WHITE/GREEN/AMBER/RED). TLP 2.0 adds CLEAR and
AMBER+STRICT; OASIS publishes fixed marking-definition ids for all five levels (extension
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d``, property ``tlp_2_0``). The
sharing gate compares levels by rank: an object may leave through a channel only if its level
is at or below the channel's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from counterspy.errors import CounterspyError

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


class Tlp(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        return f"TLP:{self.value.upper()}"

    @property
    def marking_id(self) -> str:
        return MARKING_IDS[self]

    def allows(self, level: Tlp) -> bool:
        """True when something marked ``level`` may pass a gate set to ``self``."""
        return level.rank <= self.rank

    @classmethod
    def parse(cls, text: str) -> Tlp:
        key = text.strip().lower().removeprefix("tlp:").replace("_", "+")
        key = {"white": "clear", "amber-strict": "amber+strict"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(t.value for t in cls)
            raise CounterspyError(
                f"unknown TLP level {text!r}", hint=f"use one of: {choices}"
            ) from None


_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)

# OASIS TLP 2.0 marking definitions (cti-stix-common-objects).
MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 ids as shipped by the stix2 library; WHITE counts as CLEAR.
TLP1_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
_BY_ID: dict[str, Tlp] = {v: k for k, v in MARKING_IDS.items()} | TLP1_MARKING_IDS


def tlp_of_refs(refs: Iterable[str]) -> Tlp | None:
    """The most restrictive TLP level among marking refs, or None when none is a TLP marking."""
    levels = [_BY_ID[r] for r in refs if r in _BY_ID]
    return max(levels, key=lambda t: t.rank) if levels else None


def tlp_of(obj: Mapping[str, object], default: Tlp = Tlp.RED) -> Tlp:
    """The TLP level of one STIX object (JSON form); unmarked objects get ``default``.

    The default is RED on purpose: an object nobody marked is treated as not shareable.
    """
    refs = obj.get("object_marking_refs") or []
    if not isinstance(refs, list):
        return default
    found = tlp_of_refs(str(r) for r in refs)
    return default if found is None else found


# OASIS publishes these objects with a fixed creation time; it is part of each object, like its id.
TLP2_CREATED = "2022-10-01T00:00:00.000Z"


def marking_definition(level: Tlp) -> dict[str, object]:
    """The OASIS TLP 2.0 marking-definition object of ``level`` (cti-stix-common-objects,
    ``extension-definition-specifications/tlp-2.0``), ready to put in a bundle."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": level.marking_id,
        "created": TLP2_CREATED,
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level.value}
        },
    }


def tlp_of_tags(tags: Iterable[str]) -> Tlp | None:
    """The most restrictive TLP level among MISP-style tags (``tlp:amber``), or None."""
    levels: list[Tlp] = []
    for tag in tags:
        t = tag.strip().lower()
        if t.startswith("tlp:"):
            try:
                levels.append(Tlp.parse(t))
            except CounterspyError:
                continue
    return max(levels, key=lambda t: t.rank) if levels else None
