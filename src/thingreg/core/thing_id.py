"""What the directory accepts as a thing's id: an absolute URI (RFC 3986), as TD 1.1 requires."""

from __future__ import annotations

from thingreg.core.errors import BadRequest
from thingreg.core.td.formats import is_uri

MAX_ID_LENGTH = 2048


def check_thing_id(thing_id: str) -> None:
    """Raise :class:`BadRequest` unless ``thing_id`` is an absolute URI of sensible length."""
    if len(thing_id) > MAX_ID_LENGTH:
        raise BadRequest(f"a thing id may be at most {MAX_ID_LENGTH} characters long")
    if not is_uri(thing_id):
        raise BadRequest(
            f"{thing_id!r} is not an absolute URI (RFC 3986): a thing id needs a scheme such as "
            "urn:, https: or did:, and spaces or non-ASCII characters must be percent-encoded"
        )
