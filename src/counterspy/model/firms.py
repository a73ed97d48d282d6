"""Stable identifiers of the surveillance-for-hire firms named in Meta's December 2021 report.

The value is a storage key shared by the simulator's ground truth, attribution profiles,
entity bans and exports: it never changes.
"""

from __future__ import annotations

from enum import StrEnum


class FirmId(StrEnum):
    COBWEBS = "cobwebs"
    COGNYTE = "cognyte"
    BLACK_CUBE = "black_cube"
    BLUEHAWK = "bluehawk"
    BELLTROX = "belltrox"
    CYTROX = "cytrox"
    CHINA_UNKNOWN = "china_unknown"


UNATTRIBUTED = "unattributed"
