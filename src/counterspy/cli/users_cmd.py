"""``counterspy users``: manage users, roles and API tokens."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from counterspy.auth import users
from counterspy.auth.roles import ROLE_PERMISSIONS, Role
from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

users_app = typer.Typer(help="Manage users, roles and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help="One of: " + ", ".join(r.value for r in Role)),
    email: str | None = typer.Option(None, "--email", help="Contact address."),
    organisation: str | None = typer.Option(
        None, "--organisation", help="Partner or agency the user acts for (required for those)."
    ),
    home: Path | None = HOME,
) -> None:
    """Create a user with a role."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        info = users.create_user(
            s, name=name, role=role, email=email, organisation=organisation, actor=cli_actor()
        )
    out.print(f"created user {info.name} ({info.role.value})")
    err.print("next: `counterspy users token " + info.name + "` to give it an API token")


@users_app.command("list")
def list_(home: Path | None = HOME) -> None:
    """List users with their role and number of live tokens."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = users.list_users(s)
    table = Table("name", "role", "organisation", "active", "tokens", "created")
    for u in rows:
        table.add_row(
            u.name,
            u.role.value,
            u.organisation or "",
            "yes" if u.active else "no",
            str(u.tokens),
            u.created_at.strftime("%Y-%m-%d"),
        )
    out.print(table)
    err.print(f"{len(rows)} user(s)")


@users_app.command("token")
def token(
    name: str = typer.Argument(..., help="User to issue the token for."),
    label: str | None = typer.Option(None, "--label", help="What the token is for."),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, max=3650, help="Expire after this many days."
    ),
    home: Path | None = HOME,
) -> None:
    """Issue an API token. The secret is printed once, on stdout."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        info, secret = users.issue_token(
            s,
            name=name,
            actor=cli_actor(),
            label=label,
            expires_in=timedelta(days=expires_days) if expires_days else None,
        )
    out.print(secret)
    err.print(f"token {info.prefix} for {name}: store it now, it is not shown again")


@users_app.command("tokens")
def tokens(
    name: str | None = typer.Argument(None, help="Only this user's tokens."),
    home: Path | None = HOME,
) -> None:
    """List tokens (prefix, owner, label, expiry, revoked); never the secrets."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = users.list_tokens(s, name=name)
    table = Table("prefix", "user", "label", "created", "expires", "revoked")
    for t in rows:
        table.add_row(
            t.prefix,
            t.user,
            t.label or "",
            t.created_at.strftime("%Y-%m-%d"),
            t.expires_at.strftime("%Y-%m-%d") if t.expires_at else "never",
            "yes" if t.revoked else "no",
        )
    out.print(table)


@users_app.command("revoke")
def revoke(
    prefix: str = typer.Argument(..., help="Token prefix, from `counterspy users tokens`."),
    reason: str = typer.Option("", "--reason", help="Why, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Revoke an API token."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        users.revoke_token(s, prefix=prefix, actor=cli_actor(), reason=reason)
    out.print(f"revoked token {prefix}")


@users_app.command("disable")
def disable(
    name: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Disable a user: every token and password stops working at once."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        users.set_active(s, name=name, active=False, actor=cli_actor(), reason=reason)
    out.print(f"disabled {name}")


@users_app.command("enable")
def enable(
    name: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Re-enable a disabled user."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        users.set_active(s, name=name, active=True, actor=cli_actor(), reason=reason)
    out.print(f"enabled {name}")


@users_app.command("password")
def password(
    name: str = typer.Argument(...),
    stdin: bool = typer.Option(False, "--stdin", help="Read the password from standard input."),
    home: Path | None = HOME,
) -> None:
    """Set a user's console password (argon2id-hashed)."""
    if stdin:
        secret = sys.stdin.readline().rstrip("\n")
    else:
        secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not secret:
        raise CounterspyError("empty password", hint="type one, or pipe it with --stdin")
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        users.set_password(s, name=name, password=secret, actor=cli_actor())
    out.print(f"password set for {name}")


@users_app.command("roles")
def roles() -> None:
    """Show each role's permissions."""
    table = Table("role", "permissions")
    for role, perms in ROLE_PERMISSIONS.items():
        table.add_row(role.value, ", ".join(sorted(p.value for p in perms)))
    out.print(table)
