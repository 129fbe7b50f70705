"""Any other absolute URI is kept exactly as given, scheme ``uri``; anything else is not one."""

from __future__ import annotations

import pytest

from thingreg.core.ids import uri
from thingreg.core.ids.analysis import analyse


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/things/lamp-1",
        "HTTP://Example.COM/%7Euser",  # kept as given: no case or %-normalisation
        "coap://[2001:db8::1]:5683/sensors/temp",
        "urn:example:animal:ferret:nose",
        "mqtt://broker.example.org:1883/plant/line-4",
        "mailto:ops@example.com",
    ],
)
def test_absolute_uris_are_kept_as_given(text: str) -> None:
    (reading,) = uri.read(text)
    assert (reading.scheme, reading.canonical, reading.notation, reading.rank) == (
        "uri",
        text,
        "uri",
        10,
    )
    assert reading.details == {}


@pytest.mark.parametrize(
    "text",
    ["/things/lamp-1", "example.com/lamp", "lamp 1", "http://exa mple.com", "1:2", "", "://x"],
)
def test_what_is_not_an_absolute_uri(text: str) -> None:
    assert uri.read(text) == []


def test_examples() -> None:
    for text, expected in uri.EXAMPLES:
        assert uri.read(text)[0].canonical == expected
        assert analyse(text).readings[0].canonical == expected
