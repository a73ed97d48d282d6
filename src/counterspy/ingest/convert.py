"""Turn a raw record batch (text from CSV/JSON, or any Parquet types) into the canonical schema.

Conversion is vectorised with Arrow compute; only when a batch fails is it searched for the
first offending row, so the error can name it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from counterspy.errors import InputError
from counterspy.ingest.schema import TARGETED_EVENT_TYPES, TIMESTAMP, Column, Table


@dataclass(frozen=True)
class BatchOrigin:
    """Where a batch came from, so an error can name the file and row.

    ``first_row`` is the 1-based data row of the batch's first record. ``unit`` explains how rows
    are counted in that format. ``lines`` gives the line number of each record when known.
    """

    file: str
    first_row: int
    unit: str = ""
    lines: tuple[int, ...] | None = None

    def error(self, index: int | None, column: str | None, message: str, hint: str) -> InputError:
        row = None if index is None else self.first_row + index
        where = ""
        if index is not None and self.lines is not None:
            where = f" (line {self.lines[index]})"
        elif index is not None and self.unit:
            where = f" ({self.unit})"
        return InputError(message + where, file=self.file, row=row, column=column, hint=hint)


def _first_true(mask: pa.Array) -> int | None:
    """Index of the first true value of a boolean array (nulls count as false)."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return None
    return int(pc.index(mask, True).as_py())


def _first_failing(arr: pa.Array, convert: Callable[[pa.Array], pa.Array]) -> int:
    """Index of the first element ``convert`` rejects (slow path, only after a failure)."""
    for i in range(len(arr)):
        try:
            convert(arr.slice(i, 1))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return i
    return 0


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- text parsers -------------------------------------------------------------------------------

_INT_TEXT = r"^[+-]?[0-9]+$"
_TRUE = pa.array(["true", "1"])
_FALSE = pa.array(["false", "0"])
# A zone designator at the end: Z, +hh, +hhmm or +hh:mm.
_OFFSET = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"
_FRACTION_BEYOND_US = r"(\.[0-9]{6})[0-9]+"


def _parse_int(text: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    try:
        return pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        bad = _first_true(pc.invert(pc.match_substring_regex(text, _INT_TEXT)))
        if bad is None:
            bad = _first_failing(text, lambda a: pc.cast(a, pa.int64()))
        raise origin.error(
            bad,
            col.name,
            f"wrong type: {_show(text[bad].as_py())} is not a whole number",
            f"{col.name} holds integers, e.g. {col.example}",
        ) from None


def _parse_bool(text: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    low = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    is_true, is_false = pc.is_in(low, _TRUE), pc.is_in(low, _FALSE)
    bad = _first_true(pc.and_(pc.is_valid(low), pc.invert(pc.or_(is_true, is_false))))
    if bad is not None:
        raise origin.error(
            bad,
            col.name,
            f"wrong type: {_show(text[bad].as_py())} is not a boolean",
            f"{col.name} must be true or false (or 1 / 0)",
        )
    return pc.if_else(pc.is_null(low), pa.scalar(None, pa.bool_()), is_true)


def _ts_with_offset(text: pa.Array) -> pa.Array:
    return pc.cast(text, TIMESTAMP)


def _ts_naive_utc(text: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(text, pa.timestamp("us")), TIMESTAMP)


def _parse_timestamp(text: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    # RFC 3339 allows lower-case "t" and "z"; Arrow's parser wants upper case.
    text = pc.utf8_upper(pc.utf8_trim_whitespace(text))
    text = pc.replace_substring_regex(text, _FRACTION_BEYOND_US, r"\1")
    has_offset = pc.fill_null(pc.match_substring_regex(text, _OFFSET), False)
    # ISO dates without a time ("2021-10-02") carry a hyphenated tail that looks like an offset.
    date_only = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), False)
    has_offset = pc.and_(has_offset, pc.invert(date_only))
    null_text = pa.scalar(None, pa.string())
    offset_text = pc.if_else(has_offset, text, null_text)
    naive_text = pc.if_else(has_offset, null_text, text)
    try:
        return pc.coalesce(_ts_with_offset(offset_text), _ts_naive_utc(naive_text))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        a = _first_failing(offset_text, _ts_with_offset)
        b = _first_failing(naive_text, _ts_naive_utc)
        fails_a = _fails(offset_text, a, _ts_with_offset)
        fails_b = _fails(naive_text, b, _ts_naive_utc)
        bad = min(i for i, f in ((a, fails_a), (b, fails_b)) if f) if fails_a or fails_b else 0
        raise origin.error(
            bad,
            col.name,
            f"unparseable timestamp {_show(text[bad].as_py())}",
            "use ISO 8601, e.g. 2021-10-02T17:45:10Z or 2021-10-02 19:45:10+02:00 "
            "(no offset means UTC)",
        ) from None


def _fails(arr: pa.Array, i: int, convert: Callable[[pa.Array], pa.Array]) -> bool:
    try:
        convert(arr.slice(i, 1))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return True
    return False


def _from_text(text: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    target = col.type
    if pa.types.is_string(target):
        return text
    if pa.types.is_int64(target):
        return _parse_int(text, col, origin)
    if pa.types.is_boolean(target):
        return _parse_bool(text, col, origin)
    if pa.types.is_timestamp(target):
        return _parse_timestamp(text, col, origin)
    raise AssertionError(f"no text parser for {target}")  # pragma: no cover - schema is fixed


# --- typed (Parquet) inputs ---------------------------------------------------------------------


def _typed_ok(source: pa.DataType, target: pa.DataType) -> bool:
    if pa.types.is_string(target):
        return bool(pa.types.is_integer(source))  # numeric ids are accepted as text
    if pa.types.is_int64(target):
        return bool(pa.types.is_integer(source))
    if pa.types.is_boolean(target):
        return bool(pa.types.is_boolean(source))
    if pa.types.is_timestamp(target):
        return bool(pa.types.is_timestamp(source) or pa.types.is_date(source))
    return False


def _from_typed(arr: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    source = arr.type
    if not _typed_ok(source, col.type):
        raise origin.error(
            None,
            col.name,
            f"wrong type: the file stores {source}, expected {col.type}",
            f"write {col.name} as {col.type} (or as text that parses as such), e.g. {col.example}",
        )
    if pa.types.is_timestamp(source) and source.tz is None:
        # Zone-less timestamps are taken as UTC; finer units are truncated to microseconds.
        arr = pc.cast(arr, pa.timestamp("us"), safe=False)
    try:
        return pc.cast(arr, col.type, safe=not pa.types.is_timestamp(source))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        bad = _first_failing(arr, lambda a: pc.cast(a, col.type))
        raise origin.error(
            bad,
            col.name,
            f"value {_show(arr[bad].as_py())} does not fit {col.type}",
            f"{col.name} must be {col.type}",
        ) from None


def _plain(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
        arr = pc.cast(arr, pa.string())
    return arr


def convert_column(arr: pa.Array, col: Column, origin: BatchOrigin) -> pa.Array:
    """``arr`` as the canonical type of ``col``, or an InputError naming the first bad row."""
    arr = _plain(arr)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), col.type)
    if arr.type == col.type:
        return arr
    if pa.types.is_string(arr.type):
        return _from_text(arr, col, origin)
    return _from_typed(arr, col, origin)


# --- value rules --------------------------------------------------------------------------------

_COUNTRY = r"^[A-Z]{2}$"
COUNTRY_COLUMNS = frozenset({("accounts", "country"), ("events", "country")})


def _check_required(arr: pa.Array, col: Column, origin: BatchOrigin) -> None:
    if col.nullable:
        return
    bad = _first_true(pc.is_null(arr))
    if bad is not None:
        raise origin.error(
            bad, col.name, "missing value in a required column", f"every row needs a {col.name}"
        )
    if pa.types.is_string(col.type):
        bad = _first_true(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0))
        if bad is not None:
            raise origin.error(
                bad, col.name, "empty value in a required column", f"every row needs a {col.name}"
            )


def _check_vocabulary(arr: pa.Array, col: Column, origin: BatchOrigin) -> None:
    if not col.vocabulary:
        return
    known = pc.is_in(arr, pa.array(col.vocabulary, pa.string()))
    bad = _first_true(pc.and_(pc.is_valid(arr), pc.invert(known)))
    if bad is not None:
        raise origin.error(
            bad,
            col.name,
            f"unknown {col.name} {_show(arr[bad].as_py())}",
            f"{col.name} must be one of: {', '.join(col.vocabulary)}",
        )


def _check_country(arr: pa.Array, col: Column, origin: BatchOrigin) -> None:
    ok = pc.match_substring_regex(arr, _COUNTRY)
    bad = _first_true(pc.and_(pc.is_valid(arr), pc.invert(pc.fill_null(ok, True))))
    if bad is not None:
        raise origin.error(
            bad,
            col.name,
            f"bad country code {_show(arr[bad].as_py())}",
            "use an ISO 3166-1 alpha-2 code in upper case, e.g. DE, FR, IL",
        )


def _check_targets(columns: dict[str, pa.Array], origin: BatchOrigin) -> None:
    needs = pc.is_in(columns["event_type"], pa.array(sorted(TARGETED_EVENT_TYPES), pa.string()))
    bad = _first_true(pc.and_(needs, pc.is_null(columns["target_id"])))
    if bad is not None:
        kind = columns["event_type"][bad].as_py()
        raise origin.error(
            bad,
            "target_id",
            f"event type {kind!r} needs a target_id",
            "these event types name the account acted upon: "
            + ", ".join(sorted(str(t) for t in TARGETED_EVENT_TYPES)),
        )


def to_canonical(batch: pa.RecordBatch, table: Table, origin: BatchOrigin) -> pa.RecordBatch:
    """Convert and validate one batch whose column names already match ``table``."""
    columns: dict[str, pa.Array] = {}
    for col in table.columns:
        arr = convert_column(batch.column(col.name), col, origin)
        _check_required(arr, col, origin)
        _check_vocabulary(arr, col, origin)
        if (table.name, col.name) in COUNTRY_COLUMNS:
            _check_country(arr, col, origin)
        columns[col.name] = arr
    if table.name == "events":
        _check_targets(columns, origin)
    return pa.RecordBatch.from_arrays(list(columns.values()), schema=table.schema)
