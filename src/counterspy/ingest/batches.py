"""A raw batch read from a source file, and errors shared by the format readers."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from counterspy.errors import InputError
from counterspy.ingest.convert import BatchOrigin
from counterspy.ingest.discover import SourceFile

EMPTY_HINT = "the file holds no rows: remove it from the folder or export the data again"


@dataclass(frozen=True)
class RawBatch:
    data: pa.RecordBatch
    origin: BatchOrigin


def unreadable(src: SourceFile, exc: BaseException) -> InputError:
    return InputError(
        f"cannot read the file ({exc})",
        file=src.display,
        hint="check that the file exists and that you may read it",
    )
