"""Surveillance-for-hire platform simulator: benign platform, confounders, operations, truth."""

from counterspy.ingest.simulator.config import (
    MAX_STEALTH,
    MIN_ACCOUNTS,
    STEALTH,
    SimulationConfig,
    SimulationSummary,
    StealthProfile,
)
from counterspy.ingest.simulator.core import simulate

__all__ = [
    "MAX_STEALTH",
    "MIN_ACCOUNTS",
    "STEALTH",
    "SimulationConfig",
    "SimulationSummary",
    "StealthProfile",
    "simulate",
]
