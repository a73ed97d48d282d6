"""Notification settings: ``<home>/notify.yaml`` (optional), overridden by environment.

Secrets never live in the store: the contact-encryption keys come from
``$COUNTERSPY_CONTACT_KEYS`` (comma-separated Fernet keys, newest first) or from the file named
by ``$COUNTERSPY_CONTACT_KEY_FILE`` / ``contact_key_file`` (one key per line, newest first).
The SMTP password comes from ``$COUNTERSPY_SMTP_PASSWORD`` only.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from counterspy.errors import CounterspyError
from counterspy.workspace import Workspace

CONFIG_FILE = "notify.yaml"


class ChannelLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(default=50.0, gt=0)
    concurrency: int = Field(default=4, ge=1, le=64)


class NotifyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: tuple[str, ...] = ("in_product", "email")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    mail_from: str = "security-notices@example.org"
    webhook_url: str | None = None  # generic webhook channel
    in_product_push_url: str | None = None  # optional push to the platform on new notices
    contact_key_file: str | None = None
    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=30.0, ge=0)
    backoff_max_seconds: float = Field(default=3600.0, ge=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    limits: dict[str, ChannelLimits] = Field(default_factory=dict)

    def limits_for(self, channel: str) -> ChannelLimits:
        return self.limits.get(channel, ChannelLimits())

    @property
    def smtp_password(self) -> str | None:
        return os.environ.get("COUNTERSPY_SMTP_PASSWORD")


_ENV = {
    "COUNTERSPY_SMTP_HOST": "smtp_host",
    "COUNTERSPY_SMTP_PORT": "smtp_port",
    "COUNTERSPY_MAIL_FROM": "mail_from",
    "COUNTERSPY_NOTIFY_WEBHOOK_URL": "webhook_url",
    "COUNTERSPY_CONTACT_KEY_FILE": "contact_key_file",
}


def load_config(workspace: Workspace) -> NotifyConfig:
    path = workspace.home / CONFIG_FILE
    raw: dict[str, object] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise CounterspyError(f"{path}: expected a mapping of settings")
        raw = dict(loaded)
    for env, key in _ENV.items():
        if os.environ.get(env):
            raw[key] = os.environ[env]
    try:
        return NotifyConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CounterspyError(
            f"{path}: setting {where!r}: {first['msg']}", hint="see docs/notifications.md"
        ) from None


def contact_keys(config: NotifyConfig) -> list[bytes]:
    """The Fernet keys, newest first; a clear error when none are configured."""
    env = os.environ.get("COUNTERSPY_CONTACT_KEYS")
    if env:
        keys = [k.strip() for k in env.split(",") if k.strip()]
    elif config.contact_key_file:
        p = Path(config.contact_key_file).expanduser()
        if not p.is_file():
            raise CounterspyError(
                f"contact key file {p} does not exist",
                hint="create it with `counterspy notify keygen > FILE` (outside the workspace)",
            )
        keys = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    else:
        keys = []
    if not keys:
        raise CounterspyError(
            "no contact-encryption key configured",
            hint="set COUNTERSPY_CONTACT_KEYS or COUNTERSPY_CONTACT_KEY_FILE "
            "(generate one with `counterspy notify keygen`)",
        )
    return [k.encode("ascii") for k in keys]
