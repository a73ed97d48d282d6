"""The canonical data contract for platform telemetry.

These Arrow schemas are the single source of truth: ingest validates against them, the
simulator writes them, detectors read them, and ``docs/data-contract.md`` is checked against
them by a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from counterspy.model import AccountType, AtRiskCategory, EventType

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table, with what a reader of the docs needs to know."""

    name: str
    type: pa.DataType
    nullable: bool
    meaning: str
    example: str
    vocabulary: tuple[str, ...] = ()

    @property
    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns in order and its primary key."""

    name: str
    description: str
    key: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([c.field for c in self.columns])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _values(enum: type[AccountType] | type[AtRiskCategory] | type[EventType]) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


ACCOUNTS = Table(
    name="accounts",
    description="One row per account (person, page or business) on the platform.",
    key="account_id",
    columns=(
        Column(
            "account_id", pa.string(), False, "Platform's stable account identifier.", "a000042"
        ),
        Column(
            "created_at",
            TIMESTAMP,
            False,
            "When the account was registered (UTC).",
            "2019-03-14T09:26:53Z",
        ),
        Column("display_name", pa.string(), False, "Name shown on the profile.", "Lena Hoffmann"),
        Column(
            "account_type", pa.string(), False, "Kind of presence.", "person", _values(AccountType)
        ),
        Column(
            "country",
            pa.string(),
            False,
            "Country the account claims, ISO 3166-1 alpha-2 (upper case).",
            "DE",
        ),
        Column("locale", pa.string(), False, "Interface language, BCP 47 tag.", "de-DE"),
        Column("verified", pa.bool_(), False, "Platform has verified the identity.", "false"),
        Column(
            "at_risk",
            pa.string(),
            True,
            "Protection-programme category if the account is at risk of targeting; null if not.",
            "journalist",
            _values(AtRiskCategory),
        ),
        Column(
            "photo_hash",
            pa.string(),
            True,
            "Perceptual hash of the profile photo (hex); null when there is no photo.",
            "c3a1f09e5b7d2468",
        ),
    ),
)

EVENTS = Table(
    name="events",
    description="One row per action an account took on the platform.",
    key="event_id",
    columns=(
        Column("event_id", pa.string(), False, "Platform's stable event identifier.", "e00000017"),
        Column("ts", TIMESTAMP, False, "When it happened (UTC).", "2021-10-02T17:45:10.250Z"),
        Column(
            "actor_id",
            pa.string(),
            False,
            "Account that acted (an `accounts.account_id`).",
            "a000042",
        ),
        Column(
            "event_type",
            pa.string(),
            False,
            "What the actor did.",
            "profile_view",
            _values(EventType),
        ),
        Column(
            "target_id",
            pa.string(),
            True,
            "Account acted upon (viewed, messaged, friended...), if any.",
            "a000977",
        ),
        Column(
            "group_id", pa.string(), True, "Group acted upon (joined, posted in), if any.", "g0031"
        ),
        Column(
            "url",
            pa.string(),
            True,
            "Link carried by the event (link_share, message).",
            "https://example.news/article/123",
        ),
        Column(
            "ip", pa.string(), True, "Client IP address (IPv4 or IPv6 text form).", "203.0.113.7"
        ),
        Column("asn", pa.int64(), True, "Autonomous system number of the IP.", "3320"),
        Column("device_id", pa.string(), True, "Device fingerprint identifier.", "d9f03c1a"),
        Column(
            "user_agent",
            pa.string(),
            True,
            "Client user agent string.",
            "Mozilla/5.0 (Linux; Android 13) ...",
        ),
        Column(
            "country", pa.string(), True, "Country of the IP address, ISO 3166-1 alpha-2.", "DE"
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (ACCOUNTS, EVENTS)}

# Event types that must name a target account (the rest may, but need not).
TARGETED_EVENT_TYPES: frozenset[str] = frozenset(
    {
        EventType.PROFILE_VIEW,
        EventType.FRIEND_LIST_VIEW,
        EventType.FRIEND_REQUEST,
        EventType.FRIEND_ACCEPT,
        EventType.FOLLOW,
        EventType.MESSAGE,
    }
)
