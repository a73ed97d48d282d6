"""A small simulated platform run through ingest and detection, for the cases tests."""

from __future__ import annotations

import datetime as dt
import shutil
from functools import cache
from pathlib import Path

from counterspy.detect.run import detect_workspace
from counterspy.ingest.load import ingest
from counterspy.ingest.simulator import SimulationConfig, simulate
from counterspy.workspace import Workspace


@cache
def detected_workspace(root: Path) -> Workspace:
    """Simulate 4,000 accounts (seed 3), ingest and detect: a few operations with evidence.

    Cached per process: tests only read it (``copy_workspace`` before changing anything).
    """
    sim = root / "sim"
    simulate(
        SimulationConfig(accounts=4000, seed=3, stealth=2, days=30, start=dt.date(2021, 10, 1)),
        sim,
    )
    ws = Workspace(root / "ws")
    ingest(ws, [sim])
    detect_workspace(ws)
    return ws


def copy_workspace(ws: Workspace, dest: Path) -> Workspace:
    """A private copy (loads and results) a test may change."""
    shutil.copytree(ws.home, dest, ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    return Workspace(dest)
