"""Splitting bulk input into TDs: NDJSON and arrays, cut anywhere, with line numbers."""

from __future__ import annotations

import orjson
import pytest

from thingreg.core.bulk_input import Item, TDSplitter


def split(data: bytes, step: int, limit: int = 1000) -> list[Item]:
    splitter = TDSplitter(limit)
    items: list[Item] = []
    for start in range(0, len(data), step):
        items += splitter.feed(data[start : start + step])
    return items + splitter.end()


@pytest.mark.parametrize("step", [1, 3, 7, 64, 10_000])
def test_ndjson_lines_and_numbers(step: int) -> None:
    data = b'{"a": 1}\n\n  {"b": "x\\ny"}  \r\n{"c": [1,\n'
    items = split(data, step)
    assert [(i.line, i.raw, i.error) for i in items] == [
        (1, b'{"a": 1}', None),
        (3, b'{"b": "x\\ny"}', None),
        (4, b'{"c": [1,', None),  # not JSON: the importer rejects it, with its line
    ]


@pytest.mark.parametrize("step", [1, 5, 13, 4096])
def test_array_elements_with_their_lines(step: int) -> None:
    tds = [{"id": f"urn:x:{n}", "title": 'a ] , [ " }'} for n in range(4)]
    data = orjson.dumps(tds, option=orjson.OPT_INDENT_2)
    items = split(data, step)
    assert [orjson.loads(i.raw) for i in items] == tds
    assert [i.line for i in items] == [2, 6, 10, 14]
    assert all(i.error is None for i in items)


def test_too_long_lines_are_skipped_not_buffered() -> None:
    data = b'{"ok": 1}\n' + b'{"big": "' + b"x" * 5000 + b'"}\n{"ok": 2}\n'
    items = split(data, 100, limit=1000)
    assert [(i.line, i.raw, i.error is not None) for i in items] == [
        (1, b'{"ok": 1}', False),
        (2, b"", True),
        (3, b'{"ok": 2}', False),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"a": 1} {"b": 2}]', "expected , or ]"),
        (b'[{"a": 1}, {"b": ]', "not valid JSON"),
        (b'[{"a": 1}', "ends before its closing ]"),
        (b'[{"a": 1}] {"b": 2}', "after the closing ]"),
    ],
)
def test_broken_arrays_end_with_one_error(data: bytes, message: str) -> None:
    items = split(data, 4)
    assert items[0].raw == b'{"a": 1}'
    assert len(items) == 2
    assert items[1].error is not None and message in items[1].error


def test_empty_inputs() -> None:
    assert split(b"", 10) == []
    assert split(b"  \n ", 10) == []
    assert split(b"[ ]", 1) == []
