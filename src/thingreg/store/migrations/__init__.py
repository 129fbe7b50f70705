"""Numbered SQL migrations, one folder per backend; a backend records the last one applied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from thingreg.core.errors import StoreUnavailable

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(backend: str) -> list[Migration]:
    """The backend's migrations in version order."""
    folder = resources.files(__package__).joinpath(backend)
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def pending(backend: str, current: int) -> list[Migration]:
    """Migrations newer than ``current``; refuses a database newer than this code."""
    known = migrations(backend)
    latest = known[-1].version if known else 0
    if current > latest:
        raise StoreUnavailable(
            f"the database schema is at version {current} but this thingreg knows only up to "
            f"{latest}: upgrade thingreg"
        )
    return [m for m in known if m.version > current]
