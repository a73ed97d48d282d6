"""Simulation settings, the stealth table and the run summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from counterspy.errors import CounterspyError

MIN_ACCOUNTS = 2_000
MAX_STEALTH = 3


@dataclass(frozen=True)
class StealthProfile:
    """How careful operators are. Every field changes a distribution, never only a label."""

    level: int
    account_age_median_days: float  # median operator account age at the start of the run
    fresh_share: float  # share of operator accounts registered during the run itself
    infra: str  # "datacenter" | "mixed" | "residential"
    shared_ip_prob: float  # P(an operator account reuses the operation's shared IP)
    shared_device_prob: float  # P(an operator account reuses one of the operation's devices)
    burst_share: float  # share of operational actions done in machine-speed bursts
    cover_rate: float  # benign-looking cover actions per day per operator account
    volume: float  # multiplier on operational actions per account
    accounts_factor: float  # multiplier on accounts per operation
    automation_ua_share: float  # share of recon sessions with an automation user agent
    photo_share: float  # share of operator accounts with a profile photo
    stock_photo_share: float  # share of those photos reused across the operation
    claims_target_country: float  # P(persona claims the target country, vs firm's base)


STEALTH: tuple[StealthProfile, ...] = (
    StealthProfile(0, 4, 0.8, "datacenter", 0.95, 0.9, 0.9, 0.0, 3.0, 0.7, 0.9, 0.3, 0.8, 0.2),
    StealthProfile(1, 45, 0.3, "datacenter", 0.6, 0.5, 0.6, 0.05, 2.0, 0.85, 0.5, 0.6, 0.5, 0.5),
    StealthProfile(2, 240, 0.05, "mixed", 0.25, 0.2, 0.25, 0.2, 1.0, 1.0, 0.1, 0.85, 0.2, 0.8),
    StealthProfile(
        3, 720, 0.0, "residential", 0.04, 0.04, 0.03, 0.35, 0.45, 1.4, 0.0, 0.97, 0.03, 0.95
    ),
)


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate. ``events_per_account`` is the benign mean over ``days``."""

    accounts: int = 20_000
    days: int = 30
    seed: int = 1
    stealth: int = 2
    start: dt.date = dt.date(2021, 10, 1)
    events_per_account: float = 10.0
    chunk_accounts: int = 100_000  # accounts whose events form one events part file
    at_risk_share: float = 0.007
    confounder_share: float = 0.004

    def validate(self) -> None:
        if self.accounts < MIN_ACCOUNTS:
            raise CounterspyError(
                f"--accounts {self.accounts} is too small: every firm needs operations, targets "
                f"and confounders among ordinary users",
                hint=f"use --accounts {MIN_ACCOUNTS} or more",
            )
        if not 0 <= self.stealth <= MAX_STEALTH:
            raise CounterspyError(
                f"--stealth {self.stealth} is out of range",
                hint="use 0 (blatant), 1, 2 or 3 (careful)",
            )
        if not 1 <= self.days <= 366:
            raise CounterspyError(f"--days {self.days} is out of range", hint="use 1 to 366 days")
        if not 0.5 <= self.events_per_account <= 1000:
            raise CounterspyError(
                f"--events-per-account {self.events_per_account} is out of range",
                hint="use a mean between 0.5 and 1000 events per account",
            )
        if self.chunk_accounts < 1000:
            raise CounterspyError("chunk size must be at least 1,000 accounts")

    @property
    def profile(self) -> StealthProfile:
        return STEALTH[self.stealth]

    @property
    def start_dt(self) -> dt.datetime:
        return dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC)

    @property
    def end_dt(self) -> dt.datetime:
        return self.start_dt + dt.timedelta(days=self.days)


@dataclass(frozen=True)
class SimulationSummary:
    """What a run wrote."""

    out_dir: Path
    accounts: int
    events: int
    operations: int
    operators: int
    targets: int
    domains: int
    confounders: int
    at_risk: int
    seconds: float
    event_files: int
    per_firm: tuple[tuple[str, int, int, int], ...] = field(default=())  # firm, ops, accts, tgts
