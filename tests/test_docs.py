"""Docs that cannot rot: every setting and every CLI command is documented in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

from thingreg.cli.main import build_parser
from thingreg.config import documented_settings
from thingreg.core.ids.catalogue import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, default, doc in documented_settings():
        shown = Path(default).name if name.endswith("_DIR") else default
        rows.append(f"| `{name}` | `{shown}` | {doc} |")
    return "\n".join(rows)


def test_readme_settings_table_matches_code() -> None:
    text = README.read_text("utf-8")
    start = text.index("<!-- settings-table")
    start = text.index("\n", start) + 1
    end = text.index("<!-- /settings-table -->")
    assert text[start:end].strip() == settings_table(), (
        "README settings table is out of date; regenerate it from thingreg.config"
    )


def test_every_cli_command_is_in_readme() -> None:
    text = README.read_text("utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in commands.choices:
        assert f"thingreg {name}" in text, f"`thingreg {name}` is not documented in README.md"


def test_readme_identifier_table_matches_code() -> None:
    text = README.read_text("utf-8")
    start = text.index("\n", text.index("<!-- identifier-table")) + 1
    end = text.index("<!-- /identifier-table -->")
    assert text[start:end].strip() == markdown_table(), (
        "README identifier table is out of date; regenerate it from thingreg.core.ids.catalogue"
    )
