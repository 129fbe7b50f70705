"""The tamper-evident audit log: every change, who made it, and a hash chain over the entries.

Each entry holds who (the principal's name), what (an action and its subject), when, which
owner it concerns, and a digest of the new state (SHA-256 of the stored bytes; for a deletion,
of nothing: the description itself is erased, the entry is not). Entry *n*'s ``hash`` is
SHA-256 over entry *n-1*'s hash and entry *n*'s fields, so changing, removing or reordering any
stored entry breaks every hash after it; the head (the last sequence number and hash, kept in a
row of its own) catches removing the newest entries. Entries are appended by the store in the
same transaction as the change they record, so neither exists without the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from thingreg.store.base import AuditEntry, audit_stamp
from thingreg.store.chain import GENESIS, chained, link

__all__ = ["GENESIS", "audit_time", "chained", "describe", "link", "verify"]


def verify(entries: Iterable[AuditEntry], head: tuple[int, str]) -> int | None:
    """``None`` when the chain holds and ends at ``head`` (sequence number, hash); else the
    sequence number of the first entry found broken (missing, edited or out of place)."""
    prev, expected = GENESIS, 1
    for entry in entries:
        if entry.seq != expected or entry.prev != prev or link(prev, entry) != entry.hash:
            return expected
        prev, expected = entry.hash, expected + 1
    last = expected - 1
    if (last, prev if last else GENESIS) != (head[0], head[1] if head[0] else GENESIS):
        return last + 1
    return None


def audit_time() -> str:
    """Now, as the entries record it (RFC 3339 UTC, milliseconds)."""
    return audit_stamp()


def describe(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "owner": entry.owner,
        "digest": entry.digest,
        "prev": entry.prev,
        "hash": entry.hash,
    }
