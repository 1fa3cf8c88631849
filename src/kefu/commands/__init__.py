"""Typer sub-commands registered on the `kefu` command (see kefu.cli)."""
