"""An online, consistent copy of a SQLite database: what ``thingreg backup`` makes.

SQLite's backup API copies the pages of a live database while the server keeps writing: each
step copies a slice, and a write between steps makes it start over from that page on, so the
result is always one committed state. Copying the file with ``cp`` instead can catch the main
file and its write-ahead log at different moments.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

_PAGES_PER_STEP = 4096


def backup(source: Path, target: Path) -> int:
    """Copy the database at ``source`` to a new file ``target``; return its size in bytes.

    The copy is checked (``PRAGMA integrity_check``) before this returns; a failed copy leaves
    no file behind.
    """
    if not source.is_file():
        raise ValueError(f"no database at {source}")
    if target.exists():
        raise ValueError(f"{target} exists; a backup never overwrites a file")
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.execute("PRAGMA busy_timeout = 5000")
            src.backup(dst, pages=_PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode = DELETE")
            verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise ValueError(f"the copy does not pass SQLite's integrity check: {verdict}")
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
