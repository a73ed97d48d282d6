"""A small progress interface so library code can report long work without depending on rich.

The CLI passes a rich-backed implementation; tests and library users get :data:`NULL_PROGRESS`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, description: str, total: float | None = None) -> None:
        """Start a new stage of work; ``total`` in the stage's units when known."""

    def advance(self, amount: float = 1) -> None:
        """Report ``amount`` more units of the current stage done."""


class NullProgress:
    """Reports nothing."""

    def begin(self, description: str, total: float | None = None) -> None:
        return None

    def advance(self, amount: float = 1) -> None:
        return None


NULL_PROGRESS: Progress = NullProgress()
