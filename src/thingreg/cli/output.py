"""What every command shares: exit codes, one-line errors, tables or JSON, progress bars.

Exit codes are a contract scripts rely on, so they live here once:

    0  done
    1  done, but the registry refused or did not find something (404, 401, 409, a token
       that is not good, an invalid TD file reported by ``validate``)
    2  bad usage or bad input (unknown flag, unreadable file, a request the registry
       rejects as malformed: 400, 413, 415, 422)
    3  the registry or its database could not be reached (connection refused, timeout,
       5xx)

A command raises :class:`CommandError` (or one of its three kinds) and ``main`` prints it as
``thingreg: error: ...`` on stderr and exits with its code; nothing else prints errors.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

import orjson

OK = 0
REFUSED = 1
USAGE = 2
UNREACHABLE = 3

EXIT_CODES = f"""\
exit codes:
  {OK}  done
  {REFUSED}  done, but something was refused or not found (the reason is on stderr)
  {USAGE}  bad usage or bad input
  {UNREACHABLE}  the registry or its database could not be reached
"""


class CommandError(Exception):
    """One readable line for stderr, and the exit code that goes with it."""

    code = USAGE

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class Refused(CommandError):
    """The registry said no, or has no such thing: exit 1."""

    code = REFUSED


class UsageError(CommandError):
    """The command line or an input file is wrong: exit 2."""

    code = USAGE


class Unreachable(CommandError):
    """The registry or database did not answer: exit 3."""

    code = UNREACHABLE


INPUT_STATUSES = frozenset({400, 405, 406, 413, 415, 422})
"""HTTP statuses that mean "what you sent is wrong": exit 2, like any other bad input."""


def code_for_status(status: int) -> int:
    """The exit code of an HTTP status, or of a domain error carrying one (``core.errors``)."""
    if status >= 500:
        return UNREACHABLE
    return USAGE if status in INPUT_STATUSES else REFUSED


def error_for_status(status: int, message: str) -> CommandError:
    """The command error of the kind an HTTP status stands for."""
    kinds: dict[int, type[CommandError]] = {
        REFUSED: Refused,
        USAGE: UsageError,
        UNREACHABLE: Unreachable,
    }
    return kinds[code_for_status(status)](message)


def error_line(message: str) -> str:
    """The one line an error is shown as (newlines folded so it stays one)."""
    return "thingreg: error: " + " ".join(str(message).split()) + "\n"


def add_json_flag(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """The one ``--json`` flag every command that prints data has."""
    parser.add_argument(
        "--json", action="store_true", help=help_text or "print JSON instead of a table"
    )


def print_json(value: object, stream: IO[str] | None = None) -> None:
    """Indented JSON, for people and for ``jq`` alike."""
    out = stream or sys.stdout
    out.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_ndjson(values: Iterable[object], stream: IO[str] | None = None) -> None:
    """One compact JSON value a line: streams, so a million things need no memory."""
    out = stream or sys.stdout
    for value in values:
        out.write(orjson.dumps(value).decode() + "\n")


def cell(value: object) -> str:
    """How one value looks in a table cell: lists joined, nothing for missing."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(cell(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return " ".join(str(value).split())


def table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """Rows as aligned columns under a header, without trailing blanks."""
    lines = [list(columns)] + [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    return "".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in lines
    )


def emit(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    *,
    as_json: bool,
    empty: str | None = None,
) -> None:
    """Print ``rows``: JSON with ``--json``, else a table (or ``empty`` when there are none)."""
    if as_json:
        print_json(list(rows))
    elif not rows and empty is not None:
        sys.stdout.write(empty + "\n")
    else:
        sys.stdout.write(table(rows, columns))


class Progress:
    """A bar on stderr for long work; silent unless stderr is a terminal, so logs stay clean."""

    def __init__(
        self, total: int | None, label: str, *, stream: IO[str] | None = None, force: bool = False
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self._started = time.monotonic()
        self._shown = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._shown >= 0.1 or self.done == self.total):
            self._shown = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            return (
                f"{self.label} [{bar:<30}] {self.done:,}/{self.total:,} {share:4.0%} {rate:,.0f}/s"
            )
        return f"{self.label} {self.done:,} {rate:,.0f}/s"

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()


@contextmanager
def progress(
    total: int | None, label: str, *, stream: IO[str] | None = None, force: bool = False
) -> Iterator[Progress]:
    """``with progress(n, "importing") as bar: ... bar.advance()``; ends the line when done."""
    bar = Progress(total, label, stream=stream, force=force)
    try:
        yield bar
    finally:
        bar.finish()


class HelpFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph descriptions; keeps text with line breaks (epilogs) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def add_command(
    commands: Any,
    name: str,
    *,
    help: str,
    description: str | None = None,
    epilog: str | None = EXIT_CODES,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    """A command or subcommand parser with a description and, by default, the exit codes."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description or help[0].upper() + help[1:] + ".",
        epilog=epilog,
        parents=list(parents),
        formatter_class=HelpFormatter,
    )
    return parser
