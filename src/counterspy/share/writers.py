"""Export formats: one registered writer per format (stable names, used by ``--format``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from counterspy.errors import CounterspyError
from counterspy.share.findings import Findings, GateResult
from counterspy.share.tlp import Tlp


@dataclass(frozen=True)
class ExportResult:
    text: str
    gate: GateResult
    skipped: tuple[tuple[str, int], ...]  # (reason, indicators) the format could not carry
    counts: tuple[tuple[str, int], ...]  # (kind of record, how many) written


class Writer(ABC):
    name: ClassVar[str]
    suffix: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def write(self, findings: Findings, *, tlp: Tlp, profile: str) -> ExportResult: ...


WRITERS: dict[str, type[Writer]] = {}


def register(cls: type[Writer]) -> type[Writer]:
    if cls.name in WRITERS:
        raise ValueError(f"duplicate export format name {cls.name!r}")
    WRITERS[cls.name] = cls
    return cls


def load_writers() -> dict[str, type[Writer]]:
    from counterspy.share import writers_builtin  # noqa: F401  (registers the built-ins)

    return WRITERS


def writer(name: str) -> Writer:
    writers = load_writers()
    if name not in writers:
        raise CounterspyError(
            f"unknown export format {name!r}", hint=f"formats: {', '.join(sorted(writers))}"
        )
    return writers[name]()
