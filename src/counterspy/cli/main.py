"""Entry point: ``counterspy COMMAND ...``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from typer.exceptions import TyperException

from counterspy import __version__
from counterspy.cli.console import STATE, err, out
from counterspy.errors import CounterspyError

app = typer.Typer(
    name="counterspy",
    help="Find, disrupt and report surveillance-for-hire operations on an online platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    STATE.debug = debug


@app.command()
def version() -> None:
    """Print the counterspy version."""
    out.print(__version__)


def _register_commands() -> None:
    # Each feature's CLI module adds its commands to ``app`` when imported.
    from counterspy.cli import commands  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    _register_commands()
    STATE.debug = "--debug" in args
    try:
        # Outside standalone mode, typer returns the code of a ``typer.Exit`` instead of raising.
        rv = app(args=args, prog_name="counterspy", standalone_mode=False)
    except CounterspyError as exc:
        if STATE.debug:
            raise
        err.print(f"[bold red]error:[/] {exc.message}", markup=True)
        if exc.hint:
            err.print(f"[dim]hint:[/] {exc.hint}", markup=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        return 130
    except TyperException as exc:  # usage errors and bad parameters: typer prints them
        show = getattr(exc, "show", None)
        if show is not None:
            show(file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # last resort: still one line unless --debug
        if STATE.debug:
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", markup=True)
        err.print("[dim]hint:[/] re-run with --debug for the traceback and report it", markup=True)
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
