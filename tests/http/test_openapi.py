"""The OpenAPI document: valid OpenAPI 3.1, exactly the routes the API serves, problem errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from thingreg.core.directory_td import directory_td
from thingreg.core.errors import BadRequest
from thingreg.core.thing_id import MAX_ID_LENGTH, check_thing_id
from thingreg.http.openapi import openapi_document
from thingreg.http.openapi_components import THING_ID_PATTERN

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec"

METHODS = {"get", "head", "post", "put", "patch", "delete", "options", "trace"}
EXPECTED_ROUTES = {
    "/things": {"get", "head", "post"},
    "/things/{id}": {"get", "head", "put", "patch", "delete"},
    "/things:import": {"post"},
    "/search/jsonpath": {"get", "head"},
    "/search/xpath": {"get", "post"},
    "/search/sparql": {"get", "post"},
    "/events": {"get"},
    "/events/{type}": {"get"},
    "/.well-known/wot": {"get", "head"},
    "/resolve/{identifier}": {"get"},
    "/ids/{identifier}": {"get"},
    "/delegations": {"get"},
    "/delegations/{prefix}": {"get", "put", "delete"},
    "/.well-known/thingreg": {"get"},
    "/openapi.json": {"get"},
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/metrics": {"get"},
    "/stats": {"get"},
    "/things/{id}/credentials": {"get", "post"},
    "/things/{id}/credentials/{credentialId}": {"get", "patch", "delete"},
    "/auth/challenge": {"post"},
    "/auth/token": {"post"},
    "/auth/introspect": {"post"},
    "/.well-known/jwks.json": {"get"},
    "/things/{id}/mqtt-credential": {"get", "post", "patch", "delete"},
    "/enrollment-groups": {"get", "post"},
    "/enrollment-groups/{groupId}": {"get", "patch", "delete"},
    "/enrollment-groups/{groupId}/devices": {"post"},
    "/enrollment-groups/{groupId}/blocked": {"get", "post"},
    "/enrollment-groups/{groupId}/blocked/{device}": {"delete"},
    "/owners": {"get", "post"},
    "/owners/{name}": {"get"},
    "/owners/{name}/keys": {"get", "post"},
    "/owners/{name}/keys/{keyId}": {"delete"},
    "/things/{id}/access": {"get", "put"},
    "/audit": {"get"},
    "/transfers": {"post"},
    "/transfers/{transferId}": {"get"},
}
WRITES = {
    ("/things", "post"),
    ("/things:import", "post"),
    ("/things/{id}", "put"),
    ("/things/{id}", "patch"),
    ("/things/{id}", "delete"),
    ("/delegations/{prefix}", "put"),
    ("/delegations/{prefix}", "delete"),
    ("/things/{id}/credentials", "post"),
    ("/things/{id}/credentials/{credentialId}", "patch"),
    ("/things/{id}/credentials/{credentialId}", "delete"),
    ("/things/{id}/mqtt-credential", "post"),
    ("/things/{id}/mqtt-credential", "patch"),
    ("/things/{id}/mqtt-credential", "delete"),
    ("/enrollment-groups", "post"),
    ("/enrollment-groups/{groupId}", "patch"),
    ("/enrollment-groups/{groupId}", "delete"),
    ("/enrollment-groups/{groupId}/devices", "post"),
    ("/enrollment-groups/{groupId}/blocked", "post"),
    ("/enrollment-groups/{groupId}/blocked/{device}", "delete"),
    ("/owners", "get"),
    ("/owners", "post"),
    ("/owners/{name}", "get"),
    ("/owners/{name}/keys", "get"),
    ("/owners/{name}/keys", "post"),
    ("/owners/{name}/keys/{keyId}", "delete"),
    ("/things/{id}/access", "get"),
    ("/things/{id}/access", "put"),
    ("/audit", "get"),
    ("/transfers", "post"),
    ("/transfers/{transferId}", "get"),
}
"""Operations that declare the bearer scheme: writes, and what only an owner may read."""
KEYED_READS = (
    "/things/{id}/credentials",
    "/things/{id}/mqtt-credential",
    "/things/{id}/access",
    "/owners",
    "/audit",
    "/transfers",
    "/enrollment-groups",
)
AUTHENTICATES = {("/auth/token", "post")}
"""Operations whose 401 is a failed device authentication, not a missing API token."""
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi_document()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def validator(doc: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for one component schema, its $refs resolved within the document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"] == "3.1.0"


def test_validation_can_fail(doc: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(doc))
    broken["paths"]["/things/{id}"]["parameters"] = []
    with pytest.raises(OpenAPIValidationError, match="'id'"):
        validate(broken)


def test_is_json_serialisable(doc: dict[str, Any]) -> None:
    assert json.loads(json.dumps(doc)) == doc


def test_each_call_returns_its_own_tree() -> None:
    first: dict[str, Any] = openapi_document()
    pristine = json.dumps(openapi_document())
    first["paths"]["/things/{id}"]["delete"]["responses"]["404"]["description"] = "changed"
    first["paths"]["/things/{id}"]["put"]["security"].clear()
    assert json.dumps(openapi_document()) == pristine


def test_server_url() -> None:
    assert openapi_document()["servers"] == [{"url": "/"}]
    assert openapi_document("https://tdd.example.com/api")["servers"] == [
        {"url": "https://tdd.example.com/api"}
    ]


def test_lists_exactly_the_served_routes(doc: dict[str, Any]) -> None:
    routes = {path: set(item) & METHODS for path, item in doc["paths"].items()}
    assert routes == EXPECTED_ROUTES


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(doc)]
    assert len(ids) == len(set(ids))


def test_every_operation_documents_an_error(doc: dict[str, Any]) -> None:
    for path, method, operation in operations(doc):
        if path in {"/openapi.json", "/healthz", "/metrics"}:  # these cannot fail but by a crash
            continue
        errors = [status for status in operation["responses"] if int(status) >= 400]
        assert errors, (path, method)


def test_error_bodies_are_problems(doc: dict[str, Any]) -> None:
    for path, method, operation in operations(doc):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            if method == "head":
                assert "content" not in response, (path, status)
            else:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}


def test_head_mirrors_get_without_bodies(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        if "head" not in item:
            continue
        head, get = item["head"], item["get"]
        assert set(head["responses"]) == set(get["responses"]), path
        assert head.get("parameters") == get.get("parameters"), path
        for status, response in head["responses"].items():
            assert "content" not in response
            assert response.get("headers") == get["responses"][status].get("headers")


def test_writes_take_an_optional_bearer_token(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert "security" not in doc
    for path, method, operation in operations(doc):
        if (path, method) in WRITES:
            assert operation["security"] == [{}, {"bearerAuth": []}]
            assert "401" in operation["responses"]
        elif path.startswith(KEYED_READS):
            # Reads of what only an owner or an administrator may see.
            assert "401" in operation["responses"], (path, method)
        else:
            assert "security" not in operation, (path, method)
            if (path, method) not in AUTHENTICATES:
                assert "401" not in operation["responses"], (path, method)


def expected_statuses(doc: dict[str, Any], path: str, method: str) -> set[str]:
    return set(doc["paths"][path][method]["responses"])


def test_statuses_per_operation(doc: dict[str, Any]) -> None:
    assert expected_statuses(doc, "/things", "get") == {"200", "304", "400", "406"}
    assert expected_statuses(doc, "/things", "post") == {"201", "400", "401", "413", "415"}
    assert expected_statuses(doc, "/things/{id}", "get") == {"200", "400", "404", "406"}
    assert expected_statuses(doc, "/things/{id}", "put") == {
        "201",
        "204",
        "400",
        "401",
        "413",
        "415",
    }
    assert expected_statuses(doc, "/things/{id}", "patch") == {
        "204",
        "400",
        "401",
        "404",
        "413",
        "415",
    }
    assert expected_statuses(doc, "/things/{id}", "delete") == {"204", "400", "401", "404"}
    assert expected_statuses(doc, "/search/jsonpath", "get") == {"200", "400", "406"}
    for language in ("xpath", "sparql"):
        assert expected_statuses(doc, f"/search/{language}", "get") == {"501"}
        assert expected_statuses(doc, f"/search/{language}", "post") == {"501"}
    assert expected_statuses(doc, "/events", "get") == {"200", "400"}
    assert expected_statuses(doc, "/events/{type}", "get") == {"200", "400", "404"}
    assert expected_statuses(doc, "/.well-known/wot", "get") == {"200", "406"}


def test_listing_headers_are_always_sent(doc: dict[str, Any]) -> None:
    responses = doc["paths"]["/things"]["get"]["responses"]
    for status in ("200", "304"):
        headers = responses[status]["headers"]
        assert headers["Link"]["required"] is True
        assert headers["ETag"]["required"] is False  # sent to administrators only


def test_unauthorized_names_the_scheme(doc: dict[str, Any]) -> None:
    for path, method in WRITES:
        unauthorized = doc["paths"][path][method]["responses"]["401"]
        assert unauthorized["headers"]["WWW-Authenticate"]["required"] is True


def test_created_responses_carry_location(doc: dict[str, Any]) -> None:
    for path, method in (("/things", "post"), ("/things/{id}", "put")):
        created = doc["paths"][path][method]["responses"]["201"]
        assert created["headers"]["Location"]["required"] is True
        assert "content" not in created


def test_request_bodies(doc: dict[str, Any]) -> None:
    td_types = {"application/td+json", "application/json", "application/ld+json"}
    post = doc["paths"]["/things"]["post"]["requestBody"]
    put = doc["paths"]["/things/{id}"]["put"]["requestBody"]
    patch = doc["paths"]["/things/{id}"]["patch"]["requestBody"]
    assert post["required"] and put["required"] and patch["required"]
    assert set(post["content"]) == td_types
    assert set(put["content"]) == td_types
    assert set(patch["content"]) == {"application/merge-patch+json"}


def test_listing_parameters(doc: dict[str, Any]) -> None:
    parameters = doc["components"]["parameters"]
    assert parameters["offset"]["schema"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 10**18 - 1,
        "default": 0,
    }
    assert parameters["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10**18 - 1,
    }
    assert parameters["format"]["schema"]["enum"] == ["array", "collection"]
    assert parameters["jsonpathQuery"]["required"] is True
    assert parameters["eventType"]["schema"]["enum"] == [
        "thing_created",
        "thing_updated",
        "thing_deleted",
    ]


def test_problem_schema_accepts_the_spec_validation_example(doc: dict[str, Any]) -> None:
    problem = {
        "type": "https://thingreg.dev/problems/invalid-thing-description",
        "title": "Bad Request",
        "status": 400,
        "detail": "The input did not pass the JSON Schema validation",
        "instance": "/errors/30585584-cce2-4d04-8079-67b33ffdafbc",
        "validationErrors": [
            {"field": "(root)", "description": "security is required"},
            {"field": "properties.status.forms.0.href", "description": "Invalid type."},
        ],
    }
    check = validator(doc, "Problem")
    assert check.is_valid(problem)
    assert not check.is_valid({**problem, "validationErrors": [{"field": "(root)"}]})


def id_is_accepted(thing_id: str) -> bool:
    try:
        check_thing_id(thing_id)
    except BadRequest:
        return False
    return True


SAMPLE_CODE_POINTS = [*range(0x3100), 0xFEFF, 0xFFFD, 0x1F600, 0x10FFFF]
SAMPLE_IDS = [
    "urn:example:lamp",
    "urn:uuid:48951ff3-4019-4e67-b217-dbbf011873dc",
    "http://user@host.example:8080/a/b?c=d#e",
    "did:example:123%2Fabc",
    "https://[::1]/x",
    "https://[1:2:3:4:5:6:7:8]/",
    "https://[1:2:3:4:5:6:7::]/",
    "https://[::ffff:192.0.2.1]/",
    "https://[v1.fe80::a+en1]/",
    "https://[1.2.3.4]/",
    "https://[:::]/",
    "https://[1:2:3:4:5:6:7:8:9]/",
    "https://[::1/",
    "a:%zz",
    "a:%41",
    "a:b c",
    "urn:a\n",
    "no-scheme",
    "1a:b",
    ":b",
]


def test_thing_id_pattern_agrees_with_the_server(doc: dict[str, Any]) -> None:
    schema = doc["components"]["parameters"]["thingId"]["schema"]
    assert schema["pattern"] == THING_ID_PATTERN
    assert schema["maxLength"] == MAX_ID_LENGTH
    pattern = re.compile(THING_ID_PATTERN)
    samples = [f"urn:x{chr(c)}y" for c in SAMPLE_CODE_POINTS]
    samples += [f"{chr(c)}:x" for c in SAMPLE_CODE_POINTS]
    for thing_id in samples + SAMPLE_IDS:
        assert bool(pattern.fullmatch(thing_id)) == agreed(thing_id), thing_id


def agreed(thing_id: str) -> bool:
    """What the pattern should say: the server's verdict, except that it leaves out ``%``."""
    return "%" not in thing_id and id_is_accepted(thing_id)


URI_ALPHABET = "aZ09:/?#[]@!$&'()*+,;=%-._~vF \n"


@settings(max_examples=300, deadline=None)
@given(st.from_regex(THING_ID_PATTERN, fullmatch=True).filter(lambda s: len(s) <= MAX_ID_LENGTH))
def test_ids_the_pattern_generates_are_accepted(thing_id: str) -> None:
    assert id_is_accepted(thing_id)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=URI_ALPHABET, max_size=30))
def test_pattern_and_server_agree_on_uri_like_text(text: str) -> None:
    assert bool(re.fullmatch(THING_ID_PATTERN, text)) == agreed(text)


TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1", "https://www.w3.org/2022/wot/discovery"],
    "id": "urn:example:simple-td",
    "title": "Simple TD",
    "security": "basic_sc",
    "securityDefinitions": {"basic_sc": {"scheme": "basic"}},
}


def test_td_schemas(doc: dict[str, Any]) -> None:
    anonymous = {key: value for key, value in TD.items() if key != "id"}
    assert validator(doc, "IdentifiedThingDescription").is_valid(TD)
    assert not validator(doc, "IdentifiedThingDescription").is_valid(anonymous)
    assert validator(doc, "AnonymousThingDescription").is_valid(anonymous)
    assert not validator(doc, "AnonymousThingDescription").is_valid(TD)
    assert not validator(doc, "ThingDescription").is_valid({"title": "no security"})


def test_enriched_td_schema(doc: dict[str, Any]) -> None:
    enriched = {
        **TD,
        "registration": {
            "created": "2021-05-10T16:00:00Z",
            "modified": "2021-05-10T17:00:00Z",
            "expires": "2021-05-10T18:00:00Z",
            "ttl": 3600,
            "retrieved": "2021-05-10T17:35:00Z",
        },
    }
    assert validator(doc, "EnrichedThingDescription").is_valid(enriched)
    assert not validator(doc, "EnrichedThingDescription").is_valid(TD)


def test_thing_collection_schema_accepts_the_spec_example(doc: dict[str, Any]) -> None:
    page = {
        "@context": "https://www.w3.org/2022/wot/discovery",
        "@type": "ThingCollection",
        "total": 12,
        "members": [TD],
        "@id": "/things?offset=0&limit=10&format=collection",
        "next": "/things?offset=10&limit=10&format=collection",
    }
    assert validator(doc, "ThingCollection").is_valid(page)
    assert not validator(doc, "ThingCollection").is_valid({**page, "@type": "Collection"})


def test_directory_td_matches_its_response_schema(doc: dict[str, Any]) -> None:
    td = directory_td("http://localhost:8080/", write_auth=True)
    assert validator(doc, "DirectoryDescription").is_valid(td)


def test_document_matches_its_own_response_schema(doc: dict[str, Any]) -> None:
    response = doc["paths"]["/openapi.json"]["get"]["responses"]["200"]
    schema = response["content"]["application/json"]["schema"]
    assert Draft202012Validator(schema).is_valid(doc)


def route_pattern(path: str, parameters: dict[str, Any]) -> re.Pattern[str]:
    """A regex for an OpenAPI path; enum path parameters only match their values."""

    def parameter(match: re.Match[str]) -> str:
        for declared in parameters.values():
            if declared["in"] == "path" and declared["name"] == match[1]:
                enum = declared["schema"].get("enum")
                return "(" + "|".join(map(re.escape, enum)) + ")" if enum else "[^/]+"
        raise AssertionError(f"undeclared path parameter {match[1]} in {path}")

    return re.compile(re.sub(r"\\\{(\w+)\\\}", parameter, re.escape(path)) + "$")


def test_every_directory_td_form_has_an_operation(doc: dict[str, Any]) -> None:
    """The two self-descriptions agree: each TD form is an operation of the OpenAPI doc."""
    td: dict[str, Any] = directory_td("http://localhost:8080/")
    routes = [
        (route_pattern(path, doc["components"]["parameters"]), set(item) & METHODS)
        for path, item in doc["paths"].items()
    ]
    all_forms: list[dict[str, Any]] = list(td["forms"])
    for kind in ("properties", "actions", "events"):
        for affordance in td[kind].values():
            all_forms.extend(affordance["forms"])
    for form in all_forms:
        path = "/" + re.sub(r"\{[^}]*\}", "x", form["href"].split("{?")[0].split("?")[0])
        method = form["htv:methodName"].lower()
        assert any(pattern.match(path) and method in methods for pattern, methods in routes), form[
            "href"
        ]


@pytest.mark.skipif(not SPEC.is_dir(), reason="the W3C reference material is not available")
def test_listing_parameters_match_the_thing_model(doc: dict[str, Any]) -> None:
    model = json.loads((SPEC / "directory.tm.json").read_text(encoding="utf-8"))
    variables = model["properties"]["things"]["uriVariables"]
    parameters = doc["components"]["parameters"]
    for name in variables:
        assert parameters[name]["name"] == name
        assert parameters[name]["schema"].get("default") == variables[name].get("default")
    assert parameters["format"]["schema"]["enum"] == variables["format"]["enum"]


def test_examples_match_their_schemas(doc: dict[str, Any]) -> None:
    for path, method, operation in operations(doc):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if "example" in media:
                schema = {**media["schema"], "components": doc["components"]}
                check = Draft202012Validator(schema)
                assert check.is_valid(media["example"]), (path, method, media_type)
    thing_id = doc["components"]["parameters"]["thingId"]
    assert re.fullmatch(thing_id["schema"]["pattern"], thing_id["example"])
    put = doc["paths"]["/things/{id}"]["put"]["requestBody"]["content"]["application/td+json"]
    assert put["example"]["id"] == thing_id["example"]


@pytest.mark.skipif(not SPEC.is_dir(), reason="the W3C reference material is not available")
def test_example_tds_are_valid_tds(doc: dict[str, Any]) -> None:
    td_schema = json.loads((SPEC / "td-1.1-json-schema.json").read_text(encoding="utf-8"))
    for path, method in (("/things", "post"), ("/things/{id}", "put")):
        content = doc["paths"][path][method]["requestBody"]["content"]
        Draft7Validator(td_schema).validate(content["application/td+json"]["example"])
