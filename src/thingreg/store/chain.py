"""The audit log's hash chain: how an entry is hashed after the one before it.

Kept beside the stores, which number and chain entries inside their write transactions;
``core/audit.py`` verifies chains with the same function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

import orjson

from thingreg.store.base import AuditEntry

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""


def link(prev: str, entry: AuditEntry) -> str:
    """The hash of ``entry`` chained after an entry whose hash is ``prev``."""
    fields = [entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.owner]
    payload = prev.encode() + b"\n" + orjson.dumps([*fields, entry.digest])
    return hashlib.sha256(payload).hexdigest()


def chained(entries: Iterable[AuditEntry], head: tuple[int, str]) -> list[AuditEntry]:
    """``entries`` numbered and chained after ``head``; the last one is the new head."""
    seq, prev = head
    out = []
    for entry in entries:
        seq += 1
        numbered = replace(entry, seq=seq, prev=prev)
        prev = link(prev, numbered)
        out.append(replace(numbered, hash=prev))
    return out
