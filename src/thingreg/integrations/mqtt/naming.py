"""How a thing's broker account is named, and how its password is derived.

Thing ids are URIs of any length; MQTT client ids and usernames are better short and plain, and
a topic level must not hold ``/``, ``+``, ``#`` or NUL. So a thing's *broker name* is readable
where it can be and unique always::

    name     = first 32 characters of the thing id, each one outside [A-Za-z0-9._:-] made "_",
               then "-", then the first 12 characters of the lowercase base32 SHA-256 of the id
    username = client id = role name = prefix + name       (e.g. thingreg-urn:example:lamp-…)
    topics   = things/<name>/#

The registry never stores a password. Each one is the HMAC-SHA256 of the username and the
account's random salt under the registry's secret (``THINGREG_MQTT_SECRET``): the salt changes
when a new password is issued, and reconciliation can give a broker that lost an account the same
password again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

READABLE_LENGTH = 32
DIGEST_LENGTH = 12
PREFIX = re.compile(r"[A-Za-z0-9._-]{1,32}")
"""What a prefix may be: non-empty (reconciliation only touches accounts carrying it)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


def broker_name(thing_id: str) -> str:
    """The thing's name on the broker, without the registry's prefix."""
    digest = base64.b32encode(hashlib.sha256(thing_id.encode("utf-8")).digest())
    readable = _UNSAFE.sub("_", thing_id[:READABLE_LENGTH])
    return f"{readable}-{digest.decode('ascii').lower()[:DIGEST_LENGTH]}"


def username(prefix: str, thing_id: str) -> str:
    """The thing's broker username, which is also its client id and its role's name."""
    return prefix + broker_name(thing_id)


def topic_root(thing_id: str) -> str:
    """The topic filter every thing may publish and subscribe under."""
    return f"things/{broker_name(thing_id)}/#"


def password(secret: str, user: str, salt: str) -> str:
    """The password of the account ``user`` whose current salt is ``salt`` (43 characters)."""
    mac = hmac.new(secret.encode("utf-8"), f"{user}\n{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def fingerprint(salt: str) -> str:
    """A short tag of the salt, kept on the broker to tell which password an account has."""
    return hashlib.sha256(salt.encode("utf-8")).hexdigest()[:16]
