"""docs/cli.md is the parser's own --help, regenerated: a change to a command must reach it."""

from __future__ import annotations

from pathlib import Path

from thingreg.cli import docs
from thingreg.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_matches_the_code() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert committed == docs.render(), (
        "docs/cli.md is out of date; regenerate it with `python -m thingreg.cli.docs`"
    )


def test_every_command_and_subcommand_has_a_description() -> None:
    for path, parser in docs.walk(build_parser()):
        assert parser.description, f"`thingreg {' '.join(path)}` has no description"
        if path:
            assert f"`thingreg {' '.join(path)}`" in docs.render()


def test_readme_links_the_reference() -> None:
    assert "docs/cli.md" in (ROOT / "README.md").read_text("utf-8")


def test_generator_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "cli.md"
    assert docs.main([str(target)]) == 0
    assert target.read_text("utf-8") == docs.render()


def test_every_command_is_run_by_some_test() -> None:
    """Each leaf command's argv (e.g. ``"things", "get"``) appears in a test calling it."""
    tests = ROOT / "tests"
    text = "".join("".join(p.read_text("utf-8").split()) for p in tests.rglob("*.py"))
    walked = docs.walk(build_parser())
    leaves = [path for path, parser in walked if path and not docs.subcommands(parser)]
    untested = [path for path in leaves if ",".join(f'"{p}"' for p in path) not in text]
    assert not untested, f"commands no test runs: {untested}"
