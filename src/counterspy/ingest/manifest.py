"""``load.json``: what one committed load holds, where it came from and when.

The manifest is the workspace's record of a load (the operational store mirrors it). It maps
every staged Parquet part back to its source file, so later checks can name the original file.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from counterspy.errors import CounterspyError
from counterspy.workspace import Workspace

MANIFEST_NAME = "load.json"
MANIFEST_FORMAT = 1


class LoadedFile(BaseModel):
    """One source file of a load and the part it became."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str
    part: str = Field(description="Path of the Parquet part inside the load folder.")
    source: str = Field(description="Path of the source file as given to ingest.")
    format: str
    sha256: str
    bytes: int
    rows: int
    row_unit: str = Field(default="", description="How rows of the source are counted.")


class LoadManifest(BaseModel):
    """Contents of ``loads/<load_id>/load.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: int = MANIFEST_FORMAT
    load_id: str
    counterspy_version: str
    started_at: datetime
    finished_at: datetime
    sources: tuple[str, ...] = Field(description="Paths given to ingest.")
    files: tuple[LoadedFile, ...]

    def rows(self, table: str) -> int:
        return sum(f.rows for f in self.files if f.table == table)

    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.table for f in self.files))


def new_load_id(now: datetime | None = None, after: str | None = None) -> str:
    """Sortable and unique: ``YYYYMMDDTHHMMSS.ffffffZ-<6 hex>``; load order is name order.

    ``after`` is the newest existing load id: the new id sorts after it even if the clock
    went backwards.
    """
    now = now or datetime.now(UTC)
    if after is not None:
        try:
            last = datetime.strptime(after[:22], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        except ValueError:
            last = None
        if last is not None and now <= last:
            now = last + timedelta(microseconds=1)
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(3)}"


def write_manifest(folder: Path, manifest: LoadManifest) -> None:
    path = folder / MANIFEST_NAME
    with path.open("w", encoding="utf-8") as fh:
        fh.write(manifest.model_dump_json(indent=2))
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_manifest(folder: Path) -> LoadManifest:
    path = folder / MANIFEST_NAME
    try:
        return LoadManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise CounterspyError(
            f"{path}: unreadable load manifest ({exc})",
            hint="the load folder was changed by hand; restore it or remove the whole load folder",
        ) from None


def committed_loads(ws: Workspace) -> list[LoadManifest]:
    """Every committed load of the workspace, oldest first."""
    if not ws.loads_dir.is_dir():
        return []
    return [read_manifest(d) for d in sorted(ws.loads_dir.iterdir()) if d.is_dir()]
