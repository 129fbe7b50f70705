"""Files of pre-made devices to register in bulk: CSV or NDJSON, one device a line.

CSV has a header row naming its columns: ``id`` and ``key`` (a did:key, or a PEM public key in
quotes), optionally ``identifiers`` (space-separated) and ``title``. NDJSON has one JSON
object a line with the same members (``key`` may also be a JWK object, ``identifiers`` is an
array). Blank lines and, in CSV, lines starting with ``#`` are skipped. Every line is read on
its own: a bad line is reported with its number and does not stop the others.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from thingreg.core.auth.keys import KeyMaterial, read_key
from thingreg.core.errors import BadRequest
from thingreg.core.thing_id import check_thing_id

FileKind = Literal["csv", "ndjson"]
MAX_DEVICES = 10_000
"""Most devices one file (one request) may list; the CLI sends longer files in parts."""
_COLUMNS = frozenset({"id", "key", "identifiers", "title"})


@dataclass(frozen=True, slots=True)
class Device:
    """A device to register: its thing id, its key, and what its TD adds to the template."""

    thing_id: str
    material: KeyMaterial
    identifiers: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a file: the device it lists, or why it cannot be read."""

    number: int
    thing_id: str | None
    device: Device | None = None
    problem: str | None = None


def read_fleet_file(text: str, kind: FileKind) -> list[Line]:
    """The devices of a file; :class:`BadRequest` when the file as a whole cannot be read."""
    lines = _csv(text) if kind == "csv" else _ndjson(text)
    if len(lines) > MAX_DEVICES:
        raise BadRequest(f"a file may list at most {MAX_DEVICES} devices: split it")
    return lines


def _csv(text: str) -> list[Line]:
    rows = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    lines: list[Line] = []
    try:
        for row in rows:
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [name.strip() for name in row]
                if not {"id", "key"} <= set(header) or set(header) - _COLUMNS:
                    raise BadRequest(
                        "the CSV header names the columns: id, key, and optionally "
                        f"identifiers and title (line {rows.line_num})"
                    )
                continue
            if len(row) != len(header):
                lines.append(
                    Line(rows.line_num, None, problem=f"{len(row)} fields, expected {len(header)}")
                )
                continue
            fields = dict(zip(header, row, strict=True))
            fields["identifiers"] = fields.get("identifiers", "").split()  # type: ignore[assignment]
            lines.append(_line(rows.line_num, fields))
    except csv.Error as exc:
        raise BadRequest(f"the CSV does not parse (line {rows.line_num}): {exc}") from None
    if header is None:
        raise BadRequest("the CSV is empty: it needs a header row (id,key,...) and devices")
    return lines


def _ndjson(text: str) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            fields = orjson.loads(raw)
        except orjson.JSONDecodeError:
            lines.append(Line(number, None, problem="not a JSON object"))
            continue
        if not isinstance(fields, dict) or set(fields) - _COLUMNS:
            expected = "id, key, identifiers, title"
            lines.append(Line(number, None, problem=f"a JSON object with members {expected}"))
            continue
        lines.append(_line(number, fields))
    return lines


def _line(number: int, fields: dict[str, Any]) -> Line:
    thing_id = fields.get("id")
    if not isinstance(thing_id, str) or not thing_id.strip():
        return Line(number, None, problem="no id")
    thing_id = thing_id.strip()
    try:
        check_thing_id(thing_id)
        material = read_key(fields.get("key"))
    except BadRequest as exc:
        return Line(number, thing_id, problem=exc.detail)
    except ValueError as exc:
        return Line(number, thing_id, problem=f"key: {exc}")
    identifiers = fields.get("identifiers") or []
    title = fields.get("title") or None
    if not isinstance(identifiers, list) or not all(isinstance(i, str) for i in identifiers):
        return Line(number, thing_id, problem="identifiers is a list of strings")
    if title is not None and not isinstance(title, str):
        return Line(number, thing_id, problem="title is a string")
    device = Device(thing_id, material, tuple(identifiers), title)
    return Line(number, thing_id, device=device)
