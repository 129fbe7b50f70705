"""Any other absolute URI (RFC 3986): kept exactly as given, scheme ``uri``.

The analysis offers this reading only when no scheme module reads the text: an EPC URN or a
``did:`` is also a URI, but saying so adds nothing.
"""

from __future__ import annotations

from thingreg.core.ids.base import Reading
from thingreg.core.td.formats import is_uri

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("https://example.com/things/lamp-1", "https://example.com/things/lamp-1"),
    ("coap://[2001:db8::1]/sensors/temp", "coap://[2001:db8::1]/sensors/temp"),
    ("urn:example:animal:ferret:nose", "urn:example:animal:ferret:nose"),
    ("urn:dev:example:new1", "urn:dev:example:new1"),  # a DEV URN of an unregistered subtype
)

BENCH_INPUTS: tuple[str, ...] = (
    "https://example.com/things/lamp-1",
    "coap://[2001:db8::1]/sensors/temp",
    "urn:example:animal:ferret:nose",
    "mqtt://broker.example.org:1883/plant/line-4/press-7",
    "http://www.example.org/things/1234?view=full#status",
)


def read(text: str) -> list[Reading]:
    """Read an absolute URI as itself; ``[]`` when the text is not one."""
    if is_uri(text):
        return [Reading("uri", text, "uri", 10)]
    return []
