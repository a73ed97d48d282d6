"""The ``counterspy share`` command group; feature modules add their commands to ``share_app``."""

from __future__ import annotations

import typer

from counterspy.cli.main import app

share_app = typer.Typer(
    help="Share findings with partners and researchers (STIX 2.1, MISP, Meta CSV, TAXII 2.1).",
    no_args_is_help=True,
)
app.add_typer(share_app, name="share")
