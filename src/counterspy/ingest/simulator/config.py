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
    locale_mismatch: float  # P(interface language is the firm's home language, not claimed)


STEALTH: tuple[StealthProfile, ...] = (
    StealthProfile(
        level=0,
        account_age_median_days=4,
        fresh_share=0.8,
        infra="datacenter",
        shared_ip_prob=0.95,
        shared_device_prob=0.9,
        burst_share=0.9,
        cover_rate=0.0,
        volume=3.0,
        accounts_factor=0.7,
        automation_ua_share=0.9,
        photo_share=0.3,
        stock_photo_share=0.8,
        claims_target_country=0.2,
        locale_mismatch=0.5,
    ),
    StealthProfile(
        level=1,
        account_age_median_days=45,
        fresh_share=0.3,
        infra="datacenter",
        shared_ip_prob=0.6,
        shared_device_prob=0.5,
        burst_share=0.6,
        cover_rate=0.05,
        volume=2.0,
        accounts_factor=0.85,
        automation_ua_share=0.5,
        photo_share=0.6,
        stock_photo_share=0.5,
        claims_target_country=0.5,
        locale_mismatch=0.3,
    ),
    StealthProfile(
        level=2,
        account_age_median_days=240,
        fresh_share=0.05,
        infra="mixed",
        shared_ip_prob=0.25,
        shared_device_prob=0.2,
        burst_share=0.25,
        cover_rate=0.2,
        volume=1.0,
        accounts_factor=1.0,
        automation_ua_share=0.1,
        photo_share=0.85,
        stock_photo_share=0.2,
        claims_target_country=0.8,
        locale_mismatch=0.08,
    ),
    StealthProfile(
        level=3,
        account_age_median_days=720,
        fresh_share=0.0,
        infra="residential",
        shared_ip_prob=0.04,
        shared_device_prob=0.04,
        burst_share=0.03,
        cover_rate=0.35,
        volume=0.45,
        accounts_factor=1.4,
        automation_ua_share=0.0,
        photo_share=0.97,
        stock_photo_share=0.03,
        claims_target_country=0.95,
        locale_mismatch=0.0,
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


_STEALTH_DOC = (
    ("account_age_median_days", "median operator account age at the start (days)"),
    ("fresh_share", "share of operator accounts registered during the run"),
    ("infra", "addresses: datacenter / mixed (VPN + residential) / residential proxies"),
    ("shared_ip_prob", "P(account uses the operation's shared address)"),
    ("shared_device_prob", "P(account uses one of the operation's shared devices)"),
    ("burst_share", "share of operational visits in machine-speed bursts"),
    ("cover_rate", "benign cover actions per account per day"),
    ("volume", "multiplier on operational actions per target"),
    ("accounts_factor", "multiplier on accounts per operation"),
    ("automation_ua_share", "share of WEBINT recon visits with an automation user agent"),
    ("photo_share", "share of operator accounts with a profile photo"),
    ("stock_photo_share", "share of those photos reused across the operation"),
    ("claims_target_country", "P(persona claims a target country, not the firm's)"),
    ("locale_mismatch", "P(interface language is the firm's home language)"),
)


def stealth_markdown() -> str:
    """The stealth table as Markdown (``docs/simulator.md`` embeds it; a test compares)."""
    head = "| parameter | meaning | " + " | ".join(f"{p.level}" for p in STEALTH) + " |"
    rule = "|---|---|" + "---:|" * len(STEALTH)
    rows = [
        f"| `{name}` | {meaning} | " + " | ".join(str(getattr(p, name)) for p in STEALTH) + " |"
        for name, meaning in _STEALTH_DOC
    ]
    return "\n".join([head, rule, *rows]) + "\n"
