"""Connect to an Ibis backend by name: DuckDB (embedded default) or PySpark (optional extra).

PySpark is imported lazily so that the default install never pays for it, and a missing extra
or a missing Java runtime becomes one actionable :class:`MissingExtraError`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from counterspy.analytics.memory import MEMORY_LIMIT_ENV, MemoryBudget, resolve_memory_budget
from counterspy.errors import CounterspyError, MissingExtraError

__all__ = ["ENGINES", "MEMORY_LIMIT_ENV", "connect", "fetch", "select_fusion"]


def _duckdb(threads: int | None, memory: MemoryBudget | None, temp_dir: Path | None) -> BaseBackend:
    budget = memory or resolve_memory_budget()
    con = ibis.duckdb.connect()
    # Results are ordered explicitly where order matters; letting DuckDB reorder saves memory
    # and time when materialising the cached tables.
    con.raw_sql("SET preserve_insertion_order = false")
    # DuckDB draws its own progress bar on the terminal for queries over 2 s, in the middle of
    # the CLI's rich progress (and into piped output); the CLI reports progress itself.
    con.raw_sql("SET enable_progress_bar = false")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    # DuckDB's own default is 80 % of RAM (cgroups ignored); under a budget it spills instead.
    con.raw_sql(f"SET memory_limit = '{budget.duckdb_setting}'")
    if temp_dir is not None:
        con.raw_sql(f"SET temp_directory = '{_quoted(str(temp_dir))}'")
    return con


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def _pyspark(
    threads: int | None, memory: MemoryBudget | None, temp_dir: Path | None
) -> BaseBackend:
    del memory, temp_dir  # Spark sizes its driver itself (spark.driver.memory)
    if importlib.util.find_spec("pyspark") is None:
        raise MissingExtraError("the pyspark engine", "spark", "PySpark is not installed")
    if not _java_available():
        raise CounterspyError(
            "the pyspark engine needs a Java runtime (17 or newer), and none was found",
            hint="install a JDK and put `java` on PATH or set JAVA_HOME; or use --engine duckdb",
        )
    from pyspark.sql import SparkSession

    cores = threads or 2
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("counterspy")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


ENGINES: dict[str, Callable[[int | None, MemoryBudget | None, Path | None], BaseBackend]] = {
    "duckdb": _duckdb,
    "pyspark": _pyspark,
}


def connect(
    engine: str = "duckdb",
    *,
    threads: int | None = None,
    memory: MemoryBudget | None = None,
    temp_dir: Path | None = None,
) -> Any:
    """An Ibis backend for ``engine`` (one of :data:`ENGINES`).

    On DuckDB, ``memory`` caps the engine (default: :func:`resolve_memory_budget`, i.e. the
    environment variable or a share of the machine) and ``temp_dir`` is where it spills.
    """
    try:
        factory = ENGINES[engine]
    except KeyError:
        raise CounterspyError(
            f"unknown analytics engine {engine!r}",
            hint=f"choose one of: {', '.join(ENGINES)}",
        ) from None
    return factory(threads, memory, temp_dir)


def fetch(expr: Any) -> Any:
    """Execute an Ibis expression into a pandas DataFrame (through Arrow).

    Going through Arrow avoids the pandas-3 deprecation path in Ibis's own ``to_pandas``.
    Only the pipeline calls this, on small results; detectors never do.
    """
    table = expr.to_pyarrow()
    # Engines disagree on time zones (Spark hands back naive timestamps in its session zone,
    # which we pin to UTC): make every timestamp UTC-aware so results compare across engines.
    fields = []
    for f in table.schema:
        if pa.types.is_timestamp(f.type) and f.type.tz is None:
            f = f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        fields.append(f)
    return table.cast(pa.schema(fields)).to_pandas()


@contextmanager
def select_fusion(enabled: bool) -> Iterator[None]:
    """Compile Ibis expressions with (or without) merging nested selects, then restore.

    Merging adjacent ``SELECT``s (Ibis's ``options.sql.fuse_selects``) is a Python rewrite
    over the whole expression graph at every compilation; the engines' own optimisers flatten
    the subqueries anyway, so a detection run skips it (same SQL semantics, same results).
    """
    opts = ibis.options.sql
    before = opts.fuse_selects
    opts.fuse_selects = enabled
    try:
        yield
    finally:
        opts.fuse_selects = before
