"""The workspace: one folder that holds a platform's loaded telemetry, results and store.

Layout (all below ``home``)::

    loads/<load_id>/accounts/*.parquet   canonical tables, one folder per committed load
    loads/<load_id>/events/*.parquet
    loads/<load_id>/load.json            what was loaded, from where, when
    staging/                             loads in progress; never read by anything else
    results/<name>/*.parquet             detection outputs (signals, operations, targets)
    counterspy.db                        operational store (SQLite, WAL) unless a URL is set
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "COUNTERSPY_HOME"
DATABASE_URL_ENV = "COUNTERSPY_DATABASE_URL"
DEFAULT_HOME = "counterspy-home"


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace. Creating the object touches nothing on disk."""

    home: Path

    @classmethod
    def resolve(cls, home: Path | str | None = None) -> Workspace:
        """``home`` if given, else ``$COUNTERSPY_HOME``, else ``./counterspy-home``."""
        if home is None:
            home = os.environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(Path(home).expanduser().absolute())

    @property
    def loads_dir(self) -> Path:
        return self.home / "loads"

    @property
    def staging_dir(self) -> Path:
        return self.home / "staging"

    @property
    def results_dir(self) -> Path:
        return self.home / "results"

    @property
    def database_url(self) -> str:
        """``$COUNTERSPY_DATABASE_URL`` if set, else the SQLite file inside the workspace."""
        url = os.environ.get(DATABASE_URL_ENV)
        if url:
            return url
        return f"sqlite:///{self.home / 'counterspy.db'}"

    def table_glob(self, table: str) -> str:
        """Glob matching every Parquet file of a canonical table across committed loads."""
        return str(self.loads_dir / "*" / table / "*.parquet")

    def table_files(self, table: str) -> list[Path]:
        """Every Parquet file of a canonical table across committed loads, in load order."""
        return sorted(self.loads_dir.glob(f"*/{table}/*.parquet"))

    def result_dir(self, name: str) -> Path:
        return self.results_dir / name

    def ensure(self) -> None:
        """Create the top-level folders."""
        for d in (self.loads_dir, self.staging_dir, self.results_dir):
            d.mkdir(parents=True, exist_ok=True)
