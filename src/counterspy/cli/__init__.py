"""Typer command-line interface. Thin: every command calls a library function."""
