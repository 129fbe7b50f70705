"""The shared CLI toolkit: tables, exit codes for statuses, progress bars, streamed arrays."""

from __future__ import annotations

import io

import orjson

from thingreg.cli.client import _array_items
from thingreg.cli.output import Progress, code_for_status, error_line, table


def test_table_aligns_columns_and_shows_lists() -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "type": ["x", "y"]},
        {"id": "longer", "type": None},
    ]
    assert table(rows, ("id", "type")) == "id      type\na       x,y\nlonger\n"


def test_error_line_is_one_line() -> None:
    assert error_line("bad\nthing  here") == "thingreg: error: bad thing here\n"


def test_exit_codes_of_statuses() -> None:
    assert [code_for_status(s) for s in (400, 401, 404, 409, 413, 422, 500, 503)] == [
        2, 1, 1, 1, 2, 2, 3, 3,
    ]  # fmt: skip


def test_progress_draws_only_when_asked_or_on_a_tty() -> None:
    quiet = io.StringIO()
    bar = Progress(10, "things", stream=quiet)
    bar.advance(10)
    bar.finish()
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    bar = Progress(4, "things", stream=shown, force=True)
    bar.advance(4)
    bar.finish()
    assert "4/4" in shown.getvalue() and "100%" in shown.getvalue()
    assert shown.getvalue().endswith("\n")


def test_streamed_array_items_survive_any_chunking() -> None:
    values = [{"a": 'x,]}"[{', "b": [1, {"c": 2}]}, 's\\"', 3, [], {}]
    raw = orjson.dumps(values)
    for size in (1, 2, 7, len(raw)):
        chunks = iter([raw[i : i + size] for i in range(0, len(raw), size)])
        assert list(_array_items(chunks)) == values
    assert list(_array_items(iter([b"[]"]))) == []
