"""Shared path parameters. Store ids are 32-bit integers: a larger number in a URL is a 422
with a clear message, not an overflow deep in the database driver (found by Schemathesis)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**31 - 1

DbId = Annotated[int, Path(ge=1, le=MAX_ID, description="Store id (1 to 2147483647)")]
