"""Who may see and change a thing: the one place these rules live.

Every read path (point reads, listings, searches, events, resolution) and every write asks
here. A thing a principal may not see is treated exactly as a missing one: the same ``404``
with the same message, never counted, never streamed. Listings and searches do not call
:func:`may_see` row by row: they pass :attr:`Principal.audience` to the store, whose query
applies the same rule on indexed columns (``store/sqlite.py`` and ``store/postgres.py``).
"""

from __future__ import annotations

from typing import Any

from thingreg.core.access.principal import Principal
from thingreg.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from thingreg.store.base import Access, ThingRecord


def not_found(thing_id: str) -> NotFound:
    """The one answer for a thing that is missing or invisible to the caller."""
    return NotFound(f"no thing with id {thing_id!r}")


def may_see(principal: Principal, access: Access, thing_id: str) -> bool:
    """Whether the principal may know that the thing exists and read it."""
    if principal.is_admin or access.visibility == "public":
        return True
    if principal.kind == "device":
        return principal.thing_id == thing_id
    if principal.kind != "owner" or not principal.may("read"):
        return False
    if access.owner == principal.owner:
        return True
    return access.visibility == "shared" and principal.owner in access.shared


def may_change(principal: Principal, access: Access) -> bool:
    """Whether the principal may change or delete the thing (and its credentials)."""
    if principal.is_admin:
        return True
    return principal.kind == "owner" and principal.may("write") and access.owner == principal.owner


def may_manage(principal: Principal, access: Access) -> bool:
    """Whether the principal may read the thing's access settings and credentials."""
    return principal.is_admin or (principal.kind == "owner" and access.owner == principal.owner)


def hidden_members(principal: Principal, access: Access) -> tuple[str, ...]:
    """The TD members this principal does not see: the owner's list, for clients that are
    neither the owner, an owner it is shared with, nor an administrator."""
    if not access.hidden or principal.is_admin:
        return ()
    if principal.kind == "owner" and (
        access.owner == principal.owner or principal.owner in access.shared
    ):
        return ()
    return access.hidden


def redact(td: dict[str, Any], hidden: tuple[str, ...]) -> dict[str, Any]:
    """The TD without the hidden top-level members."""
    return {k: v for k, v in td.items() if k not in hidden} if hidden else td


def check_can_write(principal: Principal) -> None:
    """Refuse a write before any thing is looked at: 401 without credentials, 403 without
    the ``write`` scope (neither says anything about a thing)."""
    if principal.kind == "anonymous":
        raise Unauthorized("changing the directory needs an API key with the write scope")
    if not principal.may("write") or principal.kind == "device":
        raise Forbidden("this key does not have the write scope")


def check_change(principal: Principal, current: ThingRecord | None, thing_id: str) -> None:
    """May ``principal`` change the thing as it is now (``None``: missing)?

    Missing or invisible: 404. Visible but someone else's: 403.
    """
    if current is None or not may_see(principal, current.access, thing_id):
        raise not_found(thing_id)
    if not may_change(principal, current.access):
        raise Forbidden(f"the thing {thing_id!r} belongs to another owner")


def check_replace(principal: Principal, current: ThingRecord | None, thing_id: str) -> None:
    """May ``principal`` create or replace the thing at ``thing_id``?

    An id held by a thing the principal cannot see is refused like any taken identifier: a
    409 that says nothing of the holder (that the id is taken is all it tells, see
    docs/security.md).
    """
    if current is None:
        return
    if not may_see(principal, current.access, thing_id):
        raise Conflict(f"the identifier {thing_id!r} already belongs to another thing")
    if not may_change(principal, current.access):
        raise Forbidden(f"the thing {thing_id!r} belongs to another owner")


def check_admin(principal: Principal) -> None:
    if principal.kind == "anonymous":
        raise Unauthorized("this needs an administrator's API key")
    if not principal.is_admin:
        raise Forbidden("this needs an administrator's API key")


def check_owner_or_admin(principal: Principal, owner: str, scope: str = "read") -> None:
    """Owner resources (``/owners/{name}/...``): the owner itself or an administrator."""
    if principal.kind == "anonymous":
        raise Unauthorized("this needs an API key")
    if principal.is_admin:
        return
    if principal.kind != "owner" or principal.owner != owner:
        raise Forbidden("only the owner or an administrator may do this")
    if scope == "write" and not principal.may("write"):
        raise Forbidden("this key does not have the write scope")
