"""``validate_td``: what it reports, where, and that no input makes it raise."""

from __future__ import annotations

import json
import math
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thingreg.core.errors import FieldError
from thingreg.core.td.dataschema import MAX_DEPTH
from thingreg.core.td.report import MAX_ERRORS
from thingreg.core.td.validation import TD_CONTEXT_V1, TD_CONTEXT_V11, validate_td

DISCOVERY = "https://www.w3.org/2022/wot/discovery"


def minimal(**members: Any) -> dict[str, Any]:
    td: dict[str, Any] = {
        "@context": TD_CONTEXT_V11,
        "title": "Lamp",
        "security": "nosec_sc",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    }
    td.update(members)
    return td


def errors(td: object) -> list[tuple[str, str]]:
    return [(error.field, error.description) for error in validate_td(td)]


def fields(td: object) -> list[str]:
    return [error.field for error in validate_td(td)]


# The WoT Discovery specification's own examples, re-typed.


def test_spec_thing_link_example_is_valid() -> None:
    td = {
        "@context": [TD_CONTEXT_V11, DISCOVERY],
        "@type": "ThingLink",
        "id": "urn:example:link",
        "links": [
            {
                "rel": "describedby",
                "href": "https://example.com/td.jsonld",
                "type": "application/td+json",
            }
        ],
        "security": "nosec_sc",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "title": "Example TD referencing another",
    }
    assert validate_td(td) == []


def test_spec_enriched_td_example_is_valid() -> None:
    td = {
        "@context": [TD_CONTEXT_V11, DISCOVERY],
        "id": "urn:example:expirable-td",
        "security": "basic_sc",
        "securityDefinitions": {"basic_sc": {"scheme": "basic"}},
        "registration": {
            "created": "2021-05-10T16:00:00Z",
            "modified": "2021-05-10T17:00:00Z",
            "expires": "2021-05-10T18:00:00Z",
            "ttl": 3600,
            "retrieved": "2021-05-10T17:35:00Z",
        },
        "title": "Expirable TD",
    }
    assert validate_td(td) == []


def test_spec_validation_error_example() -> None:
    """The two errors of the specification's example response, exactly as it words them."""
    td = minimal(properties={"status": {"forms": [{"href": 5}]}})
    del td["security"]
    assert validate_td(td) == [
        FieldError("(root)", "security is required"),
        FieldError(
            "properties.status.forms.0.href", "Invalid type. Expected: string, given: integer"
        ),
    ]


# The document and its required members.


def test_minimal_td_is_valid() -> None:
    assert validate_td(minimal()) == []


@pytest.mark.parametrize("document", [None, True, 0, 1.5, "td", [], [minimal()]])
def test_a_document_that_is_not_an_object_gets_one_error(document: object) -> None:
    [error] = validate_td(document)
    assert error.field == "(root)"
    assert error.description.startswith("Invalid type. Expected: object, given: ")


def test_every_missing_required_member_is_reported_at_the_root() -> None:
    assert errors({}) == [
        ("(root)", "title is required"),
        ("(root)", "security is required"),
        ("(root)", "securityDefinitions is required"),
        ("(root)", "@context is required"),
    ]


def test_all_errors_are_reported_in_document_order() -> None:
    td = minimal(
        id="not a uri",
        created="yesterday",
        properties={"p": {"type": "float", "forms": []}},
        links=[{"rel": "icon"}],
    )
    assert fields(td) == ["id", "created", "properties.p.type", "properties.p.forms", "links.0"]


def test_errors_are_capped() -> None:
    td = minimal(properties={f"p{i}": {"type": 1, "forms": 2} for i in range(500)})
    assert len(validate_td(td)) == MAX_ERRORS


def test_unknown_members_are_allowed_everywhere() -> None:
    td = minimal(
        **{"ex:vendor": {"any": [1, None]}, "tm:optional": ["/properties/p"]},
        properties={"p": {"ex:x": 1, "forms": [{"href": "h", "htv:methodName": "GET"}]}},
    )
    assert validate_td(td) == []


# @context, id, dates.


@pytest.mark.parametrize(
    ("context", "valid"),
    [
        (TD_CONTEXT_V11, True),
        (TD_CONTEXT_V1, True),
        ([TD_CONTEXT_V11, DISCOVERY, {"saref": "https://saref.etsi.org/core/"}], True),
        ([TD_CONTEXT_V1, TD_CONTEXT_V11], True),
        ([TD_CONTEXT_V1, "https://schema.org/"], True),
        ([], True),
        ([TD_CONTEXT_V11, TD_CONTEXT_V1], False),
        (["https://schema.org/", TD_CONTEXT_V11], False),
        ("http://www.w3.org/ns/td", False),
        ([TD_CONTEXT_V11, {"saref": 1}], False),
        ({"@vocab": TD_CONTEXT_V11}, False),
    ],
)
def test_context(context: object, valid: bool) -> None:
    assert (validate_td(minimal(**{"@context": context})) == []) is valid


def test_context_error_paths() -> None:
    td = minimal(**{"@context": [TD_CONTEXT_V11, TD_CONTEXT_V1, {"ex": 5}, 7]})
    assert fields(td) == ["@context.1", "@context.2.ex", "@context.3"]


@pytest.mark.parametrize(
    ("identifier", "valid"),
    [
        ("urn:uuid:48951ff3-4019-4e67-b217-dbbf011873dc", True),
        ("https://example.com:8443/things/1?x=y#frag", True),
        ("http://[2001:db8::7]/c", True),
        ("did:example:123456789abcdefghi", True),
        ("not a uri", False),
        ("thing-1", False),
        ("", False),
        ("http://[::g]/", False),
        ("urn:x:%zz", False),
    ],
)
def test_id_must_be_a_uri(identifier: str, valid: bool) -> None:
    found = errors(minimal(id=identifier))
    assert found == ([] if valid else [("id", "Does not match format 'uri'")])


@pytest.mark.parametrize(
    ("stamp", "valid"),
    [
        ("2021-01-19T17:02:00Z", True),
        ("2021-01-19T17:02:00.123+05:30", True),
        ("2021-01-19t17:02:00z", True),
        ("2024-02-29T00:00:00Z", True),
        ("2021-01-19T17:02:00", False),
        ("2023-02-29T00:00:00Z", False),
        ("2021-01-19 17:02:00Z", False),
        ("2021-01-19", False),
    ],
)
def test_dates_need_rfc3339_with_an_offset(stamp: str, valid: bool) -> None:
    td = minimal(modified=stamp, registration={"expires": stamp})
    expected = [] if valid else ["modified", "registration.expires"]
    assert fields(td) == expected


def test_registration_ttl_is_a_number() -> None:
    assert errors(minimal(registration={"ttl": "3600"})) == [
        ("registration.ttl", "Invalid type. Expected: number, given: string")
    ]
    assert validate_td(minimal(registration={"ttl": 0.5})) == []


# Affordances, forms, data schemas.


def test_wrong_types_name_the_expected_and_given_type() -> None:
    td = minimal(title=1, properties={"p": {"readOnly": "yes", "forms": [{"href": "h"}]}})
    assert errors(td) == [
        ("title", "Invalid type. Expected: string, given: integer"),
        ("properties.p.readOnly", "Invalid type. Expected: boolean, given: string"),
    ]


def test_op_must_suit_the_affordance() -> None:
    td = minimal(
        properties={"p": {"forms": [{"href": "h", "op": ["readproperty", "invokeaction"]}]}},
        actions={"a": {"forms": [{"href": "h", "op": "readproperty"}]}},
        events={"e": {"forms": [{"href": "h", "op": "subscribeevent"}]}},
        forms=[{"href": "h"}],
    )
    found = errors(td)
    assert [field for field, _ in found] == [
        "properties.p.forms.0.op.1",
        "actions.a.forms.0.op",
        "forms.0",
    ]
    assert found[0][1].startswith('must be one of the following: "readproperty", "writeproperty"')
    assert found[2][1] == "op is required"


def test_affordances_need_forms() -> None:
    td = minimal(properties={"p": {}}, actions={"a": {"forms": []}}, events={"e": {"forms": "h"}})
    assert errors(td) == [
        ("properties.p", "forms is required"),
        ("actions.a.forms", "Array must have at least 1 items"),
        ("events.e.forms", "Invalid type. Expected: array, given: string"),
    ]


def test_nested_data_schema_paths() -> None:
    prop = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": [{"type": "string"}, {"type": "float"}]}},
        "forms": [{"href": "h"}],
    }
    action = {
        "input": {"oneOf": [{"enum": []}]},
        "output": {"minimum": "0"},
        "forms": [{"href": "h"}],
    }
    td = minimal(properties={"p": prop}, actions={"a": action})
    assert fields(td) == [
        "properties.p.properties.a.items.1.type",
        "actions.a.input.oneOf.0.enum",
        "actions.a.output.minimum",
    ]


@pytest.mark.parametrize(
    ("members", "field"),
    [
        ({"enum": ["a", "a"]}, "enum"),
        ({"enum": [1, 1.0]}, "enum"),
        ({"maxItems": -1}, "maxItems"),
        ({"minLength": 1.5}, "minLength"),
        ({"multipleOf": 0}, "multipleOf"),
        ({"items": 5}, "items"),
        ({"required": ["a", 1]}, "required.1"),
        ({"observable": 1}, "observable"),
        ({"@type": ["Thing", "tm:ThingModel"]}, "@type.1"),
        ({"uriVariables": {"v": 1}}, "uriVariables.v"),
    ],
)
def test_data_schema_rules(members: dict[str, Any], field: str) -> None:
    affordance = {"forms": [{"href": "h"}], **members}
    assert fields(minimal(properties={"p": affordance})) == [f"properties.p.{field}"]


def test_data_schema_values_the_schema_leaves_open() -> None:
    affordance = {
        "forms": [{"href": "h"}],
        "enum": [1, True, [1], [True]],
        "maxItems": 2.0,
        "const": {"x": [None]},
        "properties": "not checked",
        "contentEncoding": 5,
    }
    assert validate_td(minimal(properties={"p": affordance})) == []


def test_nesting_is_bounded() -> None:
    def nested(depth: int) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        for _ in range(depth):
            schema = {"type": "array", "items": schema}
        return schema

    ok = minimal(actions={"a": {"input": nested(MAX_DEPTH - 1), "forms": [{"href": "h"}]}})
    assert validate_td(ok) == []
    deep = minimal(actions={"a": {"input": nested(5000), "forms": [{"href": "h"}]}})
    [error] = validate_td(deep)
    assert error.field == "actions.a.input" + ".items" * MAX_DEPTH
    assert "nested" in error.description


def test_deep_junk_in_open_values_does_not_raise() -> None:
    junk: Any = "leaf"
    for _ in range(5000):
        junk = [junk]
    assert validate_td(minimal(properties={"p": {"forms": [{"href": "h"}], "const": junk}})) == []
    twin: Any = "leaf"
    for _ in range(900):
        twin = [twin]
    enum = minimal(properties={"p": {"forms": [{"href": "h"}], "enum": [twin, twin]}})
    assert fields(enum) == ["properties.p.enum"]


@pytest.mark.parametrize(
    ("number", "bad"),
    [(math.nan, True), (math.inf, True), (-math.inf, True), (10**400, False), (-(10**400), True)],
)
def test_extreme_numbers(number: float, bad: bool) -> None:
    """Any number is a ``minimum`` or a ``ttl``; only a whole, non-negative one a ``maxItems``."""
    affordance = {"forms": [{"href": "h"}], "minimum": number, "maxItems": number}
    td = minimal(properties={"p": affordance}, registration={"ttl": number})
    assert fields(td) == (["properties.p.maxItems"] if bad else [])


# Security schemes and links.


@pytest.mark.parametrize(
    ("scheme", "field"),
    [
        ({"scheme": "basic", "in": "uri"}, "in"),
        ({"scheme": "apikey", "in": "path"}, "in"),
        ({"scheme": "digest", "qop": "auth-conf"}, "qop"),
        ({"scheme": "auto", "name": "n"}, "name"),
        ({"scheme": "bearer", "alg": 256}, "alg"),
        ({"scheme": "oauth2", "scopes": [1]}, "scopes.0"),
        ({"scheme": "psk", "identity": None}, "identity"),
        ({"scheme": "unknown"}, "scheme"),
        ({"scheme": "combo", "oneOf": ["a"]}, "oneOf"),
        ({"scheme": "nosec", "proxy": 1}, "proxy"),
    ],
)
def test_security_scheme_rules(scheme: dict[str, Any], field: str) -> None:
    td = minimal(securityDefinitions={"s": scheme}, security="s")
    assert fields(td) == [f"securityDefinitions.s.{field}"]


@pytest.mark.parametrize(
    "scheme",
    [
        {"scheme": "apikey", "in": "uri", "name": "key"},
        {"scheme": "combo", "allOf": ["a", "b"]},
        {"scheme": "oauth2", "flow": "code", "scopes": "all"},
        {"scheme": "ace:ACESecurityScheme", "ace:as": "coaps://as.example/token"},
        {"scheme": "nosec", "in": "anything: nosec does not define it"},
    ],
)
def test_security_schemes_that_are_valid(scheme: dict[str, Any]) -> None:
    assert validate_td(minimal(securityDefinitions={"s": scheme}, security=["s"])) == []


def test_combo_needs_exactly_one_of_one_of_and_all_of() -> None:
    both = {"scheme": "combo", "oneOf": ["a", "b"], "allOf": ["c", "d"]}
    neither = {"scheme": "combo"}
    assert errors(minimal(securityDefinitions={"b": both, "n": neither})) == [
        ("securityDefinitions.b", "a combo scheme must have oneOf or allOf, not both"),
        ("securityDefinitions.n", "oneOf or allOf is required"),
    ]


def test_links() -> None:
    td = minimal(
        links=[
            {"href": "a", "rel": "icon", "sizes": "16x16"},
            {"href": "b", "sizes": "16x16"},
            {"href": "c", "rel": "tm:extends"},
            {"href": "d", "hreflang": ["en-GB", "english!"]},
            {"rel": "item"},
        ]
    )
    assert fields(td) == ["links.1.sizes", "links.2.rel", "links.3.hreflang.1", "links.4"]


# Properties of the whole: any JSON input, and any error, stays well-formed.

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["readproperty", "nosec", "combo", "icon", TD_CONTEXT_V11, "tm:ThingModel"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@context",
                    "title",
                    "security",
                    "securityDefinitions",
                    "properties",
                    "actions",
                    "events",
                    "forms",
                    "href",
                    "op",
                    "scheme",
                    "type",
                    "items",
                    "enum",
                    "links",
                    "rel",
                    "sizes",
                    "registration",
                    "oneOf",
                    "allOf",
                    "in",
                    "x",
                ]
            )
            | st.text(max_size=4),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value_gives_a_list_of_errors(document: object) -> None:
    found = validate_td(document)
    assert isinstance(found, list)
    assert len(found) <= MAX_ERRORS
    assert all(isinstance(e, FieldError) and e.field and e.description for e in found)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=3), _json, max_size=3), _json)
def test_any_td_with_junk_members_does_not_raise(extra: dict[str, Any], junk: object) -> None:
    td = minimal(**extra)
    td["properties"] = {"p": {"forms": [{"href": "h", "op": junk}], "items": junk, "enum": junk}}
    td["securityDefinitions"] = {"s": junk, "c": {"scheme": "combo", "oneOf": junk}}
    validate_td(td)
    validate_td(json.loads(json.dumps(td)))


def test_error_fields_point_into_the_document(corpus: ModuleType) -> None:
    """Every reported field is a path that exists in the TD (the parent, for a missing member)."""
    for name, td, _ in corpus.all_cases():
        for error in validate_td(td):
            node = td
            if error.field == "(root)":
                continue
            for step in error.field.split("."):
                assert isinstance(node, dict | list), (name, error)
                node = node[int(step)] if isinstance(node, list) else node[step]
