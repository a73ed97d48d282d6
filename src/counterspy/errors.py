"""Errors a user can act on. The CLI prints them as one line plus a hint, never a traceback."""

from __future__ import annotations


class CounterspyError(Exception):
    """An error caused by input or environment that the user can fix.

    ``message`` says what is wrong (which file, row, column and why); ``hint`` says what to do.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(CounterspyError):
    """Bad input data: names the file, row and column where it could be located."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str = "",
    ) -> None:
        where = []
        if file is not None:
            where.append(file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint)
        self.file = file
        self.row = row
        self.column = column


class MissingExtraError(CounterspyError):
    """An optional feature needs a package extra that is not installed."""

    def __init__(self, feature: str, extra: str, detail: str = "") -> None:
        msg = f"{feature} needs the optional '{extra}' extra"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg, hint=f"pip install 'counterspy[{extra}]'")


class NotFoundError(CounterspyError):
    """Something named by the caller does not exist (HTTP 404)."""


class ConflictError(CounterspyError):
    """The request clashes with the current state, e.g. a duplicate name (HTTP 409)."""
