"""Docs are tested against code: the data contract page and the CLI reference."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from counterspy.cli import main as cli_main
from counterspy.ingest import contract_doc
from tests.conftest import REPO


def test_data_contract_page_matches_schemas() -> None:
    page = (REPO / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert page == contract_doc.render(), (
        "docs/data-contract.md is stale: run "
        "`python -m counterspy.ingest.contract_doc > docs/data-contract.md`"
    )


# typer bundles its own click; walk its command tree by shape rather than by class.
def _subcommands(cmd: Any) -> dict[str, Any]:
    return dict(getattr(cmd, "commands", {}) or {})


def _command_paths(cmd: Any, prefix: str) -> list[str]:
    paths = [prefix] if prefix else []
    if _subcommands(cmd):
        for name, sub in _subcommands(cmd).items():
            if sub.hidden:
                continue
            paths.extend(_command_paths(sub, f"{prefix} {name}".strip()))
    return paths


def test_every_cli_command_is_documented() -> None:
    cli_main._register_commands()
    root = typer.main.get_command(cli_main.app)
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#+ `counterspy ([a-z0-9 -]+)`", reference, flags=re.M))
    missing = [p for p in _command_paths(root, "") if p not in documented]
    assert not missing, f"commands missing a heading in docs/cli.md: {missing}"


def test_every_cli_option_is_documented() -> None:
    cli_main._register_commands()
    root = typer.main.get_command(cli_main.app)
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    undocumented: list[str] = []

    def walk(cmd: Any, path: str) -> None:
        for param in cmd.params:
            if param.param_type_name == "option":
                longest = max(param.opts, key=len)
                if longest not in ("--help",) and longest not in reference:
                    undocumented.append(f"{path or 'counterspy'} {longest}")
        for name, sub in _subcommands(cmd).items():
            walk(sub, f"{path} {name}".strip())

    walk(root, "")
    assert not undocumented, f"options missing from docs/cli.md: {undocumented}"


def test_every_docs_page_is_linked_from_the_index() -> None:
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    pages = sorted(p.name for p in (REPO / "docs").glob("*.md") if p.name != "index.md")
    unlinked = [p for p in pages if f"]({p})" not in index]
    assert not unlinked, f"docs pages missing from docs/index.md: {unlinked}"


def test_index_links_resolve() -> None:
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", index)
    missing = [t for t in targets if not (REPO / "docs" / t).exists()]
    assert not missing, f"docs/index.md links to missing pages: {missing}"
