"""Link verdicts: the seam between the infrastructure engine and everything that checks links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol


class VerdictLabel(StrEnum):
    MALICIOUS = "malicious"
    SUSPICIOUS = "suspicious"
    CLEAN = "clean"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a verdict was given: a stable code plus a human sentence and its evidence.
    (Slotted: no per-instance dict, so the many reasons of a verdict run are cheap.)"""

    code: str  # e.g. "indicator.domain", "lookalike.typo", "shortener"
    detail: str  # e.g. "domain instagam.click is one deletion from brand instagram"
    brand: str | None = None
    indicator_source: str | None = None


class Verdict(NamedTuple):
    """One URL's verdict. A named tuple (immutable, like the frozen dataclasses elsewhere):
    the link shim builds millions of these, and a tuple costs a third of a dataclass."""

    url: str
    label: VerdictLabel
    reasons: tuple[Reason, ...] = ()
    actor: str | None = None  # firm or actor named by a matching indicator, where known
    domain: str | None = None  # normalised host the verdict is about, when one could be parsed


class LinkChecker(Protocol):
    """Anything that can judge a batch of URLs (the verdict engine implements this)."""

    def check_many(self, urls: Sequence[str]) -> list[Verdict]: ...
