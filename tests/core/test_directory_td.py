"""The directory's own TD: a valid TD 1.1 that matches the W3C directory Thing Model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from jsonschema import Draft7Validator

from thingreg.core.directory_td import BEARER, NOSEC, directory_td

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec"
TD_SCHEMA = SPEC / "td-1.1-json-schema.json"

BASE = "https://tdd.example.com/registry/"
WRITE_ACTIONS = {
    "createThing",
    "createAnonymousThing",
    "updateThing",
    "partiallyUpdateThing",
    "deleteThing",
}
# affordance -> (method, href, success status, success content type)
EXPECTED_ACTIONS = {
    "createThing": ("PUT", "things/{id}", 201, "application/x-empty"),
    "createAnonymousThing": ("POST", "things", 201, "application/x-empty"),
    "retrieveThing": ("GET", "things/{id}", 200, "application/td+json"),
    "updateThing": ("PUT", "things/{id}", 204, "application/x-empty"),
    "partiallyUpdateThing": ("PATCH", "things/{id}", 204, "application/x-empty"),
    "deleteThing": ("DELETE", "things/{id}", 204, "application/x-empty"),
    "searchJSONPath": ("GET", "search/jsonpath?query={query}", 200, "application/json"),
}
TEMPLATE = re.compile(r"\{[?&/]?([^}]*)\}")


def as_dict(value: object) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value


def as_list(value: object) -> list[Any]:
    assert isinstance(value, list)
    return value


def affordances(td: dict[str, object]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind in ("properties", "actions", "events"):
        for name, affordance in as_dict(td[kind]).items():
            yield kind, name, affordance


def forms(td: dict[str, object]) -> Iterator[dict[str, Any]]:
    yield from as_list(td["forms"])
    for _, _, affordance in affordances(td):
        yield from affordance["forms"]


@pytest.fixture(params=[False, True], ids=["open", "write-auth"])
def write_auth(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def td(write_auth: bool) -> dict[str, object]:
    return directory_td(BASE, write_auth=write_auth)


@pytest.fixture(scope="module")
def td_validator() -> Draft7Validator:
    if not TD_SCHEMA.is_file():
        pytest.skip(f"{TD_SCHEMA} is not available")
    schema = json.loads(TD_SCHEMA.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def test_validates_against_td_json_schema(
    td: dict[str, object], td_validator: Draft7Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in td_validator.iter_errors(td)]
    assert errors == []


def test_schema_check_can_fail(td: dict[str, object], td_validator: Draft7Validator) -> None:
    broken = dict(td)
    del broken["securityDefinitions"]
    assert not td_validator.is_valid(broken)


def test_is_a_thing_directory(td: dict[str, object]) -> None:
    assert td["@type"] == "ThingDirectory"
    assert td["@context"] == [
        "https://www.w3.org/2022/wot/td/v1.1",
        "https://www.w3.org/2022/wot/discovery",
    ]
    assert td["base"] == BASE
    assert td["title"] == "thingreg"
    assert isinstance(td["description"], str)


def test_is_json_serialisable(td: dict[str, object]) -> None:
    assert json.loads(json.dumps(td)) == td


def test_each_call_returns_its_own_tree() -> None:
    first = directory_td(BASE, write_auth=True)
    pristine = json.dumps(directory_td(BASE, write_auth=True))
    as_dict(first["actions"])["deleteThing"]["forms"][0]["additionalResponses"].clear()
    as_dict(first["actions"])["retrieveThing"]["uriVariables"]["id"]["type"] = "number"
    assert json.dumps(directory_td(BASE, write_auth=True)) == pristine


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:8080", "http://localhost:8080/"),
        ("http://localhost:8080/", "http://localhost:8080/"),
        ("https://example.com/tdd", "https://example.com/tdd/"),
        ("https://example.com/tdd/?x=1#top", "https://example.com/tdd/"),
    ],
)
def test_base_is_absolute_with_trailing_slash(given: str, expected: str) -> None:
    assert directory_td(given)["base"] == expected


@pytest.mark.parametrize("base", ["/things/", "localhost:8080", "ftp://example.com/", ""])
def test_rejects_a_base_that_is_not_an_absolute_http_url(base: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        directory_td(base)


def test_id_is_stable_per_base_and_distinct_between_bases() -> None:
    first = directory_td("http://a.example/")["id"]
    assert first == directory_td("http://a.example")["id"]
    assert first != directory_td("http://b.example/")["id"]
    assert isinstance(first, str)
    assert first.startswith("urn:uuid:")


def test_title_is_configurable() -> None:
    assert directory_td(BASE, title="Plant 4 directory")["title"] == "Plant 4 directory"


def test_every_href_resolves_under_base(td: dict[str, object]) -> None:
    hrefs = [form["href"] for form in forms(td)]
    hrefs += [as_dict(link)["href"] for link in as_list(td["links"])]
    for href in hrefs:
        expanded = TEMPLATE.sub("x", href)
        assert urljoin(BASE, expanded).startswith(BASE), href


def test_every_template_variable_is_declared(td: dict[str, object]) -> None:
    for _, name, affordance in affordances(td):
        declared = set(affordance.get("uriVariables", {}))
        for form in affordance["forms"]:
            used = {
                variable
                for expression in TEMPLATE.findall(form["href"])
                for variable in expression.split(",")
            }
            assert used == declared, name


def test_affordances_match_the_directory_thing_model(td: dict[str, object]) -> None:
    assert set(as_dict(td["properties"])) == {"things"}
    assert set(as_dict(td["actions"])) == set(EXPECTED_ACTIONS)
    assert set(as_dict(td["events"])) == {"thingCreated", "thingUpdated", "thingDeleted"}


def test_no_xpath_or_sparql(td: dict[str, object]) -> None:
    text = json.dumps(td).lower()
    assert "xpath" not in text
    assert "sparql" not in text


@pytest.mark.parametrize("name", sorted(EXPECTED_ACTIONS))
def test_action_forms(td: dict[str, object], name: str) -> None:
    method, href, status, content_type = EXPECTED_ACTIONS[name]
    (form,) = as_dict(td["actions"])[name]["forms"]
    assert form["op"] == "invokeaction"
    assert form["htv:methodName"] == method
    assert form["href"] == href
    assert form["response"]["htv:statusCodeValue"] == status
    assert form["response"]["contentType"] == content_type


def test_request_content_types(td: dict[str, object]) -> None:
    actions = as_dict(td["actions"])
    for name in ("createThing", "createAnonymousThing", "updateThing"):
        assert actions[name]["forms"][0]["contentType"] == "application/td+json"
    patch = actions["partiallyUpdateThing"]["forms"][0]
    assert patch["contentType"] == "application/merge-patch+json"


def test_creation_reports_location(td: dict[str, object]) -> None:
    actions = as_dict(td["actions"])
    for name in ("createThing", "createAnonymousThing"):
        headers = actions[name]["forms"][0]["response"]["htv:headers"]
        assert {"htv:fieldName": "Location"} in headers


def test_things_listing(td: dict[str, object]) -> None:
    things = as_dict(td["properties"])["things"]
    assert things["readOnly"] is True
    assert set(things["uriVariables"]) == {"offset", "limit", "format"}
    assert things["uriVariables"]["format"]["enum"] == ["array", "collection"]
    (form,) = things["forms"]
    assert form["op"] == "readproperty"
    assert form["htv:methodName"] == "GET"
    assert form["response"]["contentType"] == "application/ld+json"
    assert form["response"]["htv:statusCodeValue"] == 200


def test_events_are_sse_with_diff(td: dict[str, object]) -> None:
    for name, event in as_dict(td["events"]).items():
        assert event["uriVariables"]["diff"]["type"] == "boolean"
        (form,) = event["forms"]
        assert form["op"] == "subscribeevent"
        assert form["subprotocol"] == "sse"
        assert form["response"]["contentType"] == "text/event-stream"
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        assert form["href"] == f"events/{snake}{{?diff}}"


def test_all_events_stream_is_a_root_form(td: dict[str, object]) -> None:
    (form,) = as_list(td["forms"])
    assert form["op"] == "subscribeallevents"
    assert form["href"] == "events{?diff}"
    assert form["subprotocol"] == "sse"


def test_sse_forms_accept_last_event_id(td: dict[str, object]) -> None:
    sse_forms = [form for form in forms(td) if form.get("subprotocol") == "sse"]
    assert len(sse_forms) == 4
    for form in sse_forms:
        names = [header["htv:fieldName"] for header in form["htv:headers"]]
        assert names == ["Last-Event-ID"], form["href"]


def test_error_responses_are_problems(td: dict[str, object]) -> None:
    schema_names = set(as_dict(td["schemaDefinitions"]))
    for form in forms(td):
        assert form["additionalResponses"], form["href"]
        for response in form["additionalResponses"]:
            assert response["contentType"] == "application/problem+json"
            assert 400 <= response["htv:statusCodeValue"] < 600
            assert response["schema"] in schema_names


def error_statuses(td: dict[str, object], action: str) -> set[int]:
    form = as_dict(td["actions"])[action]["forms"][0]
    return {response["htv:statusCodeValue"] for response in form["additionalResponses"]}


def test_error_statuses_per_action(td: dict[str, object], write_auth: bool) -> None:
    auth = {401} if write_auth else set()
    assert error_statuses(td, "createThing") == {400, 413, 415} | auth
    assert error_statuses(td, "createAnonymousThing") == {400, 413, 415} | auth
    assert error_statuses(td, "retrieveThing") == {400, 404}
    assert error_statuses(td, "updateThing") == {400, 413, 415} | auth
    assert error_statuses(td, "partiallyUpdateThing") == {400, 404, 413, 415} | auth
    assert error_statuses(td, "deleteThing") == {400, 404} | auth
    assert error_statuses(td, "searchJSONPath") == {400}


def test_open_directory_uses_nosec_only() -> None:
    td = directory_td(BASE)
    assert td["security"] == [NOSEC]
    definitions = as_dict(td["securityDefinitions"])
    assert set(definitions) == {NOSEC}
    assert definitions[NOSEC]["scheme"] == "nosec"
    assert all("security" not in form for form in forms(td))


def test_write_auth_protects_writes_only() -> None:
    td = directory_td(BASE, write_auth=True)
    assert td["security"] == [NOSEC]
    definitions = as_dict(td["securityDefinitions"])
    assert definitions[BEARER]["scheme"] == "bearer"
    assert definitions[BEARER]["in"] == "header"
    for kind, name, affordance in affordances(td):
        for form in affordance["forms"]:
            if kind == "actions" and name in WRITE_ACTIONS:
                assert form["security"] == [BEARER], name
            else:
                assert "security" not in form, name
