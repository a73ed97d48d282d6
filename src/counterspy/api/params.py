"""Shared path parameters: database ids bounded so out-of-range numbers get 422, not a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_DB_ID = 2**63 - 1  # largest value an SQLite INTEGER / PostgreSQL BIGINT column holds

DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="Database id (a positive integer)")]
