"""Who is asking: anonymous, an owner acting through an API key, an administrator, or a device
holding a token the registry issued."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from thingreg.store.base import Audience, Scope

PrincipalKind = Literal["anonymous", "owner", "admin", "device"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    kind: PrincipalKind
    owner: str | None = None
    """The owner acted for (an administrator acts for its own owner unless it names another)."""
    scopes: frozenset[Scope] = frozenset()
    thing_id: str | None = None
    """For a device: the thing its token was issued to."""
    key_id: str | None = None
    """The API key used, for the audit log."""
    label: str | None = None
    """How the audit log names a principal of the registry's own (an integration)."""

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    def may(self, scope: Scope) -> bool:
        """Whether the principal holds ``scope``; ``admin`` implies every scope and ``write``
        implies ``read``."""
        if self.is_admin:
            return True
        if scope == "read" and "write" in self.scopes:
            return True
        return scope in self.scopes

    @property
    def audience(self) -> Audience | None:
        """Whose view listings and searches take (``None``: everything, for administrators)."""
        if self.is_admin:
            return None
        if self.kind == "owner" and self.may("read"):
            return Audience(self.owner)
        return Audience(None)

    @property
    def name(self) -> str:
        """How the audit log names the principal."""
        if self.label is not None:
            return self.label
        if self.kind == "anonymous":
            return "anonymous"
        if self.kind == "device":
            return f"device:{self.thing_id}"
        via = f" (key {self.key_id})" if self.key_id else " (API token)"
        return f"{self.kind}:{self.owner}{via}"


ANONYMOUS = Principal("anonymous")
SYSTEM = Principal("admin", owner="", scopes=frozenset({"admin"}), key_id="system")
"""The registry itself, for maintenance (the expiry purge)."""
