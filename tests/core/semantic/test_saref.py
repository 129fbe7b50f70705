"""Reading SAREF classes from TDs, and expanding queried classes to their subclasses."""

from __future__ import annotations

from typing import Any

import pytest

from thingreg.core.errors import BadRequest
from thingreg.core.semantic.saref import (
    asked_classes,
    classes_of,
    local_name,
    saref_prefixes,
    with_superclasses,
)

TD = "https://www.w3.org/2022/wot/td/v1.1"


def td(context: Any = None, **members: Any) -> dict[str, Any]:
    return {"@context": context or [TD, {"saref": "https://w3id.org/saref#"}], **members}


def test_thing_and_affordance_types_in_both_namespaces() -> None:
    doc = td(
        [TD, {"s": "https://saref.etsi.org/core/"}],
        **{"@type": ["Thing", "s:TemperatureSensor"]},
        properties={
            "temp": {"@type": "https://w3id.org/saref#Temperature"},
            "on": {"@type": ["https://saref.etsi.org/core/OnOffState", "x:Other"]},
        },
        actions={"toggle": {"@type": "s:ToggleCommand"}},
        events={"smoke": {"@type": "s:Smoke"}},
    )
    assert classes_of(doc) == (
        "OnOffState",
        "Smoke",
        "Temperature",
        "TemperatureSensor",
        "ToggleCommand",
    )


def test_relations_declare_functions_and_properties() -> None:
    doc = td(
        **{
            "@type": "saref:Sensor",
            "saref:hasFunction": [
                {"@type": "saref:SensingFunction", "saref:hasCommand": "saref:GetCommand"},
                "https://saref.etsi.org/core/MeteringFunction",
            ],
            "https://w3id.org/saref#measuresProperty": {"@type": "saref:Humidity"},
        },
        properties={"t": {"saref:relatesToProperty": "saref:Temperature"}},
    )
    assert classes_of(doc) == (
        "GetCommand",
        "Humidity",
        "MeteringFunction",
        "SensingFunction",
        "Sensor",
        "Temperature",
    )


def test_what_is_not_saref_core_is_ignored() -> None:
    doc = td(
        [TD, {"saref": "https://example.com/not-saref#"}],
        **{"@type": ["saref:Sensor", "Sensor", "https://saref.etsi.org/saref4ener/Device"]},
        properties={"p": {"@type": "https://saref.etsi.org/core/NoSuchClass"}},
    )
    assert classes_of(doc) == ()
    # Unbound, "saref" is taken as SAREF; typos and unknown relations are not.
    assert classes_of(td(TD, **{"@type": ["saref:Meter", "saref:Sensr"]})) == ("Meter",)
    assert classes_of(td(TD, **{"saref:likes": "saref:Meter"})) == ()


def test_prefixes() -> None:
    context = [TD, {"a": "https://w3id.org/saref#", "b": {"@id": "https://saref.etsi.org/core/"}}]
    assert saref_prefixes(context) == {"a", "b", "saref"}
    assert saref_prefixes([TD, {"saref": "https://example.com/"}]) == set()
    assert local_name("saref:Sensor") == "Sensor"
    assert local_name("https://w3id.org/saref#Sensor") == "Sensor"
    assert local_name("https://saref.etsi.org/core/Sensor") == "Sensor"
    assert local_name("s:Sensor") is None


def test_indexed_with_superclasses() -> None:
    assert with_superclasses(["TemperatureSensor", "OnState", "Meter"]) == (
        "Device",
        "Meter",
        "OnOffState",
        "OnState",
        "Sensor",
        "State",
        "TemperatureSensor",
    )


def test_asked_classes() -> None:
    assert asked_classes("type", ["saref:Sensor"]) == {"Sensor"}
    assert asked_classes("type", ["https://w3id.org/saref#Switch"]) == {"Switch"}
    both = ["saref:SmokeSensor, https://saref.etsi.org/core/Meter", "saref:Meter"]
    assert asked_classes("type", both) == {"SmokeSensor", "Meter"}
    assert asked_classes("function", ["saref:Function"]) == {"Function"}
    assert asked_classes("function", ["saref:OnOffFunction"]) == {"OnOffFunction"}
    assert asked_classes("property", ["saref:Temperature"]) == {"Temperature"}


@pytest.mark.parametrize(
    ("kind", "term", "message"),
    [
        ("type", "saref:Sensors", "not a class of SAREF core"),
        ("type", "Sensor", "not a class of SAREF core"),
        ("type", "https://example.com/Sensor", "not a class of SAREF core"),
        ("function", "saref:Sensor", "not a saref:Function"),
        ("property", "saref:SensingFunction", "not a saref:Property"),
    ],
)
def test_expand_refuses_what_it_cannot_answer(kind: Any, term: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        asked_classes(kind, [term])
