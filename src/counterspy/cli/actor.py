"""Who a CLI invocation acts as, for the audit log."""

from __future__ import annotations

import getpass
import os

ACTOR_ENV = "COUNTERSPY_ACTOR"


def cli_actor() -> str:
    """``$COUNTERSPY_ACTOR`` if set, else ``cli:<login name>``."""
    explicit = os.environ.get(ACTOR_ENV)
    if explicit:
        return explicit
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
