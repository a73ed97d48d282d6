"""Operational-store tables for console sign-in sessions and failed sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from counterspy.storage.db import Base


class ConsoleSessionRow(Base):
    """A signed-in browser. The cookie carries a random id; only its SHA-256 is stored, so a
    copy of the database does not hand out live sessions."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Synchroniser token: every POST form of this session must carry it.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # absolute limit
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginFailureRow(Base):
    """One failed sign-in; recent failures per user name lock further attempts for a while."""

    __tablename__ = "console_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
