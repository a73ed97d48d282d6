"""Checks across files: duplicate ids and references to unknown accounts.

They run in DuckDB over the staged Parquet parts plus every committed load, under the run's
memory budget, so they stream and spill to disk rather than holding a table in memory.
``filename`` and ``file_row_number`` map a hit back to its part, and the part back to its source
file and row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from counterspy.analytics.memory import MemoryBudget
from counterspy.errors import InputError
from counterspy.ingest.schema import ACCOUNTS, TABLES

# Row nouns that need a word of explanation in an error message.
ROW_NOTES = {"data row": "data row, the header line not counted"}


@dataclass(frozen=True)
class PartOrigin:
    """The source of one Parquet part: which file, how its rows count, which load."""

    source: str
    unit: str = "row"  # how the source counts rows: "row", "data row" or "record"
    load_id: str | None = None  # None: part of the load being checked
    blank_lines: tuple[int, ...] = ()  # JSON Lines: blank lines skipped before records
    line_numbers: bool = False

    def line(self, row: int) -> int:
        """JSON Lines: the line holding record ``row`` (blank lines are skipped on read)."""
        line = row
        for blank in self.blank_lines:
            if blank <= line:
                line += 1
        return line

    def place(self, row: int) -> str:
        """Human words for ``row`` (1-based) of this part's source."""
        if self.line_numbers:
            text = f"{self.source} line {self.line(row)}"
        else:
            text = f"{self.source} {self.unit or 'row'} {row}"
        if self.load_id is not None:
            text = f"load {self.load_id} ({text})"
        return text

    def error(self, row: int, column: str, message: str, hint: str) -> InputError:
        where = f" (line {self.line(row)})" if self.line_numbers else ""
        if not where and self.unit in ROW_NOTES:
            where = f" ({ROW_NOTES[self.unit]})"
        return InputError(message + where, file=self.source, row=row, column=column, hint=hint)


def _connect(temp_dir: Path, memory: MemoryBudget) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": False,
            "memory_limit": memory.duckdb_setting,
        }
    )
    con.execute("SET enable_progress_bar = false")  # it writes to stdout; ours is on stderr
    return con


_SCAN = "read_parquet({files}, filename = true, file_row_number = true)"

# Keys repeated inside the new load: first and second occurrence of the earliest repeat. The
# first pass groups 64-bit hashes of the keys, not the keys: ~1/3 of the memory of grouping the
# strings (ingest of 100M events peaked at 5.8 instead of 14.1 GiB). Only rows whose hash repeats
# (real repeats and the rare collision) are read again and compared by their actual key.
_DUPLICATES_WITHIN = """
    WITH twice AS (
        SELECT hash({key}) AS h FROM {keys} GROUP BY h HAVING count(*) > 1),
    d AS (
        SELECT {key} AS id, filename AS f, file_row_number AS r FROM {scan}
        WHERE hash({key}) IN (SELECT h FROM twice)),
    dups AS (SELECT id FROM d GROUP BY id HAVING count(*) > 1),
    occ AS (
        SELECT d.id, d.f, d.r, row_number() OVER (PARTITION BY d.id ORDER BY d.f, d.r) AS k
        FROM d SEMI JOIN dups ON d.id = dups.id)
    SELECT a.id, a.f, a.r, b.f, b.r, (SELECT count(*) FROM dups)
    FROM occ a JOIN occ b ON a.id = b.id AND a.k = 1 AND b.k = 2
    ORDER BY b.f, b.r LIMIT 1
"""

# Keys of the new load already in a committed load. The join's hash table holds the new load's
# keys only, so memory follows the size of the load, not of the workspace.
_DUPLICATES_BEFORE = """
    WITH s AS (SELECT {key} AS id, filename AS f, file_row_number AS r FROM {staged}),
    c AS (SELECT {key} AS id, filename AS f, file_row_number AS r FROM {committed})
    SELECT s.id, c.f, c.r, s.f, s.r, count(DISTINCT s.id) OVER ()
    FROM c JOIN s ON c.id = s.id
    ORDER BY s.f, s.r LIMIT 1
"""


def check_unique_keys(
    table: str,
    staged: Sequence[Path],
    committed: Sequence[Path],
    origins: Mapping[str, PartOrigin],
    temp_dir: Path,
    memory: MemoryBudget,
) -> None:
    """Raise for the first staged row whose key was already seen (in this load or before)."""
    if not staged:
        return
    key = TABLES[table].key
    params = {"staged": [str(p) for p in staged], "committed": [str(p) for p in committed]}
    hits = []
    with _connect(temp_dir, memory) as con:
        within = _DUPLICATES_WITHIN.format(
            key=key, keys="read_parquet($staged)", scan=_SCAN.format(files="$staged")
        )
        hits.append(con.execute(within, {"staged": params["staged"]}).fetchone())
        if committed:
            before = _DUPLICATES_BEFORE.format(
                key=key,
                staged=_SCAN.format(files="$staged"),
                committed=_SCAN.format(files="$committed"),
            )
            hits.append(con.execute(before, params).fetchone())
    found = [h for h in hits if h is not None]
    if not found:
        return
    # Report the repeat that comes first in the new load.
    ident, first_f, first_r, f, r, n = min(found, key=lambda h: (h[3], h[4]))
    first, second = origins[first_f], origins[f]
    more = f"; {n - 1} more duplicated {key}(s) of this kind in this load" if n > 1 else ""
    seen = (
        f"already loaded in {first.place(first_r + 1)}"
        if first.load_id is not None
        else f"first seen at {first.place(first_r + 1)}"
    )
    raise second.error(
        r + 1,
        key,
        f"duplicate {key} {ident!r}: {seen}{more}",
        f"each {key} may appear once across all loads; remove the repeated rows "
        "(re-ingesting a file that is already loaded also causes this)",
    )


def check_account_references(
    staged_events: Sequence[Path],
    accounts: Sequence[Path],
    origins: Mapping[str, PartOrigin],
    temp_dir: Path,
    memory: MemoryBudget,
) -> None:
    """Raise for the first staged event whose actor_id or target_id names no known account."""
    if not staged_events:
        return
    hint = (
        "every actor_id and target_id must be an account_id of an accounts file loaded before "
        "or in the same load; load the accounts table too"
    )
    if not accounts:
        first = origins[str(staged_events[0])]
        raise first.error(
            1, "actor_id", "events reference accounts, but no accounts are loaded", hint
        )
    sql = f"""
        WITH acc AS (SELECT {ACCOUNTS.key} AS id FROM read_parquet($accounts)),
        ev AS (
            SELECT actor_id, target_id, filename AS f, file_row_number AS r
            FROM read_parquet($events, filename = true, file_row_number = true)),
        bad AS (
            SELECT 'actor_id' AS col, actor_id AS ref, f, r
            FROM ev ANTI JOIN acc ON ev.actor_id = acc.id
            UNION ALL
            SELECT 'target_id' AS col, target_id AS ref, f, r
            FROM ev ANTI JOIN acc ON ev.target_id = acc.id
            WHERE target_id IS NOT NULL)
        SELECT col, ref, f, r, count(*) OVER (), count(DISTINCT ref) OVER ()
        FROM bad ORDER BY f, r, col LIMIT 1
    """  # noqa: S608 - identifiers come from the fixed schema
    params = {"accounts": [str(p) for p in accounts], "events": [str(p) for p in staged_events]}
    with _connect(temp_dir, memory) as con:
        hit = con.execute(sql, params).fetchone()
    if hit is None:
        return
    col, ref, f, r, n_rows, n_ids = hit
    more = f"; {n_rows} references to {n_ids} unknown accounts in this load" if n_rows > 1 else ""
    raise origins[f].error(r + 1, col, f"unknown account {ref!r}{more}", hint)
