"""Link format in and out, the thing id of an endpoint, and the TD a registration becomes."""

from __future__ import annotations

import pytest

from thingreg.core.errors import BadRequest
from thingreg.core.td.validation import validate_td
from thingreg.integrations.coap.links import (
    Link,
    endpoint_td,
    read_links,
    registration_of,
    stored_links,
    thing_id,
    write_links,
)


def test_thing_ids() -> None:
    assert thing_id("node1", None) == "urn:thingreg:rd:node1"
    assert thing_id("node1", "lab") == "urn:thingreg:rd:lab:node1"
    assert thing_id("urn:dev:mac:0024beffff804ff1", None) == "urn:dev:mac:0024beffff804ff1"
    # a sector keeps same-named endpoints of two sectors apart, and ':' cannot forge either
    assert thing_id("urn:dev:mac:0024beffff804ff1", "lab") == (
        "urn:thingreg:rd:lab:urn%3Adev%3Amac%3A0024beffff804ff1"
    )
    assert thing_id("b", "a:x") != thing_id("x:b", "a")
    assert thing_id("a sensor/1", None) == "urn:thingreg:rd:a%20sensor%2F1"


def test_links_round_trip() -> None:
    text = '</s/t>;rt="temperature-c oic.r.temp";ct=0;obs,</a>;title="A \\"quoted\\" one"'
    links = read_links(text)
    assert links == [
        Link("/s/t", (("rt", "temperature-c oic.r.temp"), ("ct", "0"), ("obs", None))),
        Link("/a", (("title", 'A "quoted" one'),)),
    ]
    assert links[0].values("rt") == ["temperature-c", "oic.r.temp"]
    assert read_links(write_links(links)) == links
    assert read_links("") == []


def test_malformed_links_are_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="Link Format"):
        read_links("</a>;;<<")


def test_endpoint_td_is_a_valid_td_with_the_mapping() -> None:
    links = read_links(
        '</temp>;rt="temperature-c";ct=0;obs,</temp>;ct=99,</>;if=core.b,</td>;rt=wot.thing'
    )
    td = endpoint_td(
        ep="s7", sector="lab", base="coap://[2001:db8::7]:5683", lifetime=120, links=links
    )
    assert validate_td(td) == []
    assert td["id"] == "urn:thingreg:rd:lab:s7"
    assert td["@type"] == "corerd:Endpoint"
    assert td["registration"] == {"ttl": 120}
    assert td["properties"] == {
        "temp": {
            "forms": [
                {
                    "href": "coap://[2001:db8::7]:5683/temp",
                    "contentType": "text/plain;charset=utf-8",
                }
            ],
            "@type": "temperature-c",
            "observable": True,
        },
        "temp-2": {
            "forms": [
                {
                    "href": "coap://[2001:db8::7]:5683/temp",
                    "contentType": "application/octet-stream",
                }
            ]
        },
        "root": {"forms": [{"href": "coap://[2001:db8::7]:5683/"}]},
    }
    assert td["links"] == [
        {
            "rel": "describedby",
            "href": "coap://[2001:db8::7]:5683/td",
            "type": "application/td+json",
        }
    ]
    kept = registration_of(td)
    assert kept is not None and kept["d"] == "lab"
    assert stored_links(kept) == links
