"""A benchmark's output: the machine it ran on, and its report as a table or as JSON.

A benchmark builds its report as a JSON-able dict; :class:`Table` lays out its figures as
aligned rows of label, value, target and verdict (PASS/FAIL), and :func:`write` prints either
the table or the report as JSON on stdout (progress goes to stderr through logging).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

import orjson

Report = dict[str, Any]


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), model
        )
    memory = _proc_meminfo_mb()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "thingreg": importlib.metadata.version("thingreg"),
    }


def _proc_meminfo_mb() -> int:
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def machine_line(m: dict[str, Any]) -> str:
    """One line describing :func:`machine`'s answer."""
    return (
        f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_mb']:,} MB; Python {m['python']}, "
        f"SQLite {m['sqlite']}, Linux {m['kernel']}"
    )


class Table:
    """Rows of (label, value, target, verdict), rendered as left-aligned columns."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def row(self, label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        """Add a row; ``ok`` is the verdict against ``target`` (None: no verdict)."""
        self.rows.append((label, value, target, "" if ok is None else ("PASS" if ok else "FAIL")))

    def lines(self) -> list[str]:
        if not self.rows:
            return []
        widths = [max(len(r[i]) for r in self.rows) for i in range(4)]
        return [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in self.rows
        ]


def write(report: Report, as_json: bool, render: Callable[[Report], str]) -> None:
    """Print ``report`` on stdout: as indented JSON, or as ``render`` lays it out."""
    if as_json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render(report) + "\n")
