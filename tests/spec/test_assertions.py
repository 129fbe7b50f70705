"""The W3C WoT Discovery assertions, run against a real thingreg server on loopback.

Each assertion of the W3C testing template (``shared/spec/wot-discovery-assertions.csv``) that
concerns an HTTP directory has one test here, named after its id (``tdd-things-retrieve`` is
``test_tdd_things_retrieve``). The others are listed in :data:`NOT_IMPLEMENTED` with the reason.
After a full run of this module, docs/implementation-report.csv is rewritten from the outcomes
in the W3C result format (``"ID","Status","Comment"``), in the catalogue's order.

The report writer is a plugin registered by a fixture of this module rather than a conftest:
a second ``conftest.py`` would clash with ``tests/conftest.py`` under mypy, and a helper module
here could not be imported by both pytest (``tests/`` alone is on ``sys.path``) and mypy.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import httpx
import pytest
from jsonschema import Draft7Validator

from tests.conftest import ADMIN
from tests.support import SHARED_SPEC, LiveServer, minimal_td, start_server, stop_server

if not SHARED_SPEC.is_dir():
    pytest.skip(f"the W3C reference material is not at {SHARED_SPEC}", allow_module_level=True)

ASSERTIONS_CSV = SHARED_SPEC / "wot-discovery-assertions.csv"
TD_SCHEMA = SHARED_SPEC / "td-1.1-json-schema.json"
DISCOVERY_SCHEMA = SHARED_SPEC / "td-discovery-extensions-json-schema.json"
REPORT = Path(__file__).resolve().parents[2] / "docs" / "implementation-report.csv"

# -- the catalogue ---------------------------------------------------------------------------

_DISCOVERER = "applies to Discoverers (clients), not to a directory"
_SPARQL = "SPARQL search is optional and not offered; /search/sparql answers 501"
_COAP = "thingreg serves TDs over HTTP only, not CoAP"
_DNS_SD = "thingreg does not advertise itself with DNS-SD"
_CORE = "thingreg does not advertise itself with the CoRE Link Format or a CoRE Resource Directory"
_DID = "thingreg has no DID and publishes no DID Document"
_LINK = "thingreg publishes no Thing Link; Thing Links that producers register are stored as TDs"
_NETWORK = "a property of the network a deployment runs on, not of the directory software"

NOT_IMPLEMENTED: dict[str, str] = {
    "discoverer-must-support-intros": _DISCOVERER,
    "discoverer-must-support-fetching": _DISCOVERER,
    "discoverer-may-multiple-intro": _DISCOVERER,
    "discoverer-merge-intros": _DISCOVERER,
    "discoverer-td-identify": _DISCOVERER,
    "discoverer-fetch-tdd": _DISCOVERER,
    "discoverer-fetch-links": _DISCOVERER,
    "discoverer-fetch-iteration": _DISCOVERER,
    "discoverer-termination": _DISCOVERER,
    "discoverer-any-order": _DISCOVERER,
    "discoverer-track": _DISCOVERER,
    "introduction-dns-sd": _DNS_SD,
    "introduction-dns-sd-service-name": _DNS_SD,
    "introduction-dns-sd-service-name-directory": _DNS_SD,
    "introduction-dns-sd-service-name-udp": _DNS_SD,
    "introduction-dns-sd-txt-record": _DNS_SD,
    "introduction-dns-sd-txt-record-udp": _DNS_SD,
    "introduction-core-rd": _CORE,
    "introduction-core-rd-directory": _CORE,
    "introduction-core-rd-resource-type-thing": _CORE,
    "introduction-core-rd-resource-type-directory": _CORE,
    "introduction-did": _DID,
    "introduction-did-service-context": _DID,
    "introduction-did-service-endpoint": _DID,
    "exploration-link-description-type": _LINK,
    "exploration-link-description-link": _LINK,
    "security-bootstrapping-endpoints": "no security bootstrapping: every endpoint that serves "
    "a TD is readable without credentials",
    "exploration-secboot-401": "no security bootstrapping: TDs are served without credentials "
    "(the 401 with WWW-Authenticate on writes is tested by tdd-things-read-only-auth)",
    "exploration-server-coap-method": _COAP,
    "exploration-server-coap-resp": _COAP,
    "exploration-server-coap-alternate-content": _COAP,
    "exploration-server-coap-size2": _COAP,
    "tdd-http-error-response-lang": "Accept-Language is not negotiated; problem details are "
    "in English",
    "tdd-things-representation-alternate-input": "request bodies are JSON only "
    "(application/td+json, application/json, application/ld+json); no other serialization "
    "and no request Content-Encoding",
    "tdd-search-sparql": _SPARQL,
    "tdd-search-sparql-version": _SPARQL,
    "tdd-search-sparql-method-get": _SPARQL,
    "tdd-search-sparql-method-post": _SPARQL,
    "tdd-search-sparql-resp-select-ask": _SPARQL,
    "tdd-search-sparql-resp-describe-construct": _SPARQL,
    "tdd-search-sparql-error": _SPARQL,
    "tdd-search-sparql-federation": _SPARQL,
    "tdd-search-sparql-federation-version": _SPARQL,
    "sec-tdd-intro-no-ext": _NETWORK + "; thingreg binds 127.0.0.1 unless told otherwise",
    "sec-self-psk": _NETWORK + " (TLS is terminated in front of thingreg)",
    "sec-self-segment": _NETWORK,
    "priv-loc-explicit-care": "applies to whoever shares TDs that hold location information, "
    "not to the directory software",
}
"""Assertions without a test, each with the reason the report gives."""

NOTES: dict[str, str] = {
    "priv-loc-priv-dir-access": "changing the directory needs an API key with the write scope; "
    "a new thing is visible to its owner only, and an owner may hide members such as a location "
    "from anonymous clients of a public thing (docs/security.md)",
    "tdd-things-read-only-auth": "anonymous clients may read public things only and write nothing",
    "tdd-search-large-tdds": "JSONPath (RFC 9535) at /search/jsonpath",
    "tdd-http-unsupported-feature": "501 for SPARQL and XPath search, 405 for unsupported "
    "methods, 400 for unknown parameter values",
}
"""Comments for tested assertions where the status alone would mislead."""

META_TESTS = frozenset(
    {"test_every_assertion_is_tested_or_explained", "test_report_rows_follow_the_catalogue"}
)


def load_assertion_ids(path: Path = ASSERTIONS_CSV) -> list[str]:
    """The assertion ids of the W3C template, in its order."""
    with path.open(encoding="utf-8", newline="") as file:
        return [row["ID"] for row in csv.DictReader(file)]


def function_for(assertion_id: str) -> str:
    """The test of an assertion; ids use hyphens only, so names map back to ids one to one."""
    return "test_" + assertion_id.replace("-", "_")


def report_rows(ids: Iterable[str], outcomes: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(id, status, comment)`` per assertion; ``outcomes`` maps test names to outcomes."""
    rows = []
    for assertion_id in ids:
        name = function_for(assertion_id)
        outcome = outcomes.get(name)
        if outcome is None:
            rows.append((assertion_id, "not-impl", NOT_IMPLEMENTED[assertion_id]))
        elif outcome == "passed":
            rows.append((assertion_id, "pass", NOTES.get(assertion_id, "")))
        else:
            rows.append((assertion_id, "fail", f"{name} {outcome}"))
    return rows


def render_report(rows: Iterable[tuple[str, str, str]]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(("ID", "Status", "Comment"))
    writer.writerows(rows)
    return text.getvalue()


class ReportWriter:
    """Pytest plugin: records the outcome of every test of this module and, when all of them
    ran, writes the implementation report as the session finishes. A partial run (``-k``,
    ``--lf``, ``-x``, an interrupted session) leaves the report as it was."""

    def __init__(self, module_nodeid: str, tests: Iterable[str], report: Path = REPORT) -> None:
        self._prefix = module_nodeid + "::"
        self._tests = frozenset(tests)
        self._report = report
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.nodeid.startswith(self._prefix):
            return
        name = report.nodeid.removeprefix(self._prefix)
        if report.failed:
            self.outcomes[name] = "failed"
        elif report.skipped:
            self.outcomes.setdefault(name, "was skipped")
        elif report.when == "call":
            self.outcomes.setdefault(name, "passed")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.shouldstop or not self._tests <= self.outcomes.keys():
            return
        rows = report_rows(load_assertion_ids(), self.outcomes)
        self._report.write_text(render_report(rows), encoding="utf-8")


def _module_tests(module: object) -> list[str]:
    return [name for name in vars(module) if name.startswith("test_")]


@pytest.fixture(scope="module", autouse=True)
def implementation_report(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("thingreg-implementation-report"):
        writer = ReportWriter(request.node.nodeid, _module_tests(request.module))
        manager.register(writer, "thingreg-implementation-report")


# -- fixtures and helpers --------------------------------------------------------------------

TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1"
DISCOVERY = "https://www.w3.org/2022/wot/discovery"
TD_JSON = {"Content-Type": "application/td+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
IDENTITY = {"Accept-Encoding": "identity"}
TOKEN = "s3cret"
CLOCK_SLACK = timedelta(seconds=2)
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
JSONObject = dict[str, Any]


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=10, headers=ADMIN) as client:
        yield client


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A second server whose writes need ``Authorization: Bearer s3cret``."""
    server = start_server(tmp_path_factory.mktemp("auth") / "data", THINGREG_API_TOKEN=TOKEN)
    yield server
    stop_server(server)


def a_td(thing_id: str | None, **extra: object) -> JSONObject:
    return dict(minimal_td(thing_id, **extra))


def lamp(thing_id: str, **extra: object) -> JSONObject:
    """A TD with JSON-LD extensions and an affordance, to see more than the minimum survive."""
    return a_td(
        thing_id,
        **{
            "@context": [TD_CONTEXT, {"saref": "https://w3id.org/saref#", "@language": "en"}],
            "@type": "saref:LightSwitch",
            "title": "Lamp",
            "description": "A lamp",
            "properties": {
                "on": {
                    "type": "boolean",
                    "forms": [{"href": "https://lamp.example/on", "op": ["readproperty"]}],
                }
            },
            **extra,
        },
    )


def big_td(thing_id: str) -> JSONObject:
    """A TD of about 20 KB, above the size from which the server compresses responses."""
    properties = {
        f"sensor-{n:03d}": {"type": "number", "forms": [{"href": f"https://big.example/{n}"}]}
        for n in range(200)
    }
    return a_td(thing_id, title="Big", properties=properties)


def encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def thing_path(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


def put(http: httpx.Client, td: JSONObject, headers: Mapping[str, str] = TD_JSON) -> httpx.Response:
    return http.put(thing_path(str(td["id"])), content=encode(td), headers=dict(headers))


def post(
    http: httpx.Client, td: JSONObject, headers: Mapping[str, str] = TD_JSON
) -> httpx.Response:
    return http.post("/things", content=encode(td), headers=dict(headers))


def patch(
    http: httpx.Client, thing_id: str, body: object, headers: Mapping[str, str] = MERGE_PATCH
) -> httpx.Response:
    return http.patch(thing_path(thing_id), content=encode(body), headers=dict(headers))


def stored(http: httpx.Client, *tds: JSONObject) -> None:
    """Register each TD (created or replaced), as test setup."""
    for td in tds:
        response = put(http, td)
        assert response.status_code in (201, 204), response.text


def fetch(http: httpx.Client, path: str) -> Any:
    response = http.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def fetch_td(http: httpx.Client, thing_id: str) -> JSONObject:
    td: JSONObject = fetch(http, thing_path(thing_id))
    return td


def listing(http: httpx.Client) -> list[JSONObject]:
    tds: list[JSONObject] = fetch(http, "/things")
    return tds


def ids_of(tds: Iterable[JSONObject]) -> list[str]:
    return [str(td["id"]) for td in tds]


def media_type(response: httpx.Response) -> str:
    header: str = response.headers.get("content-type", "")
    return header.split(";", maxsplit=1)[0].strip().lower()


def without_retrieved(td: JSONObject) -> JSONObject:
    """The TD without ``registration.retrieved``, which differs on every read."""
    registration = {k: v for k, v in td["registration"].items() if k != "retrieved"}
    return {**td, "registration": registration}


def submitted_part(td: JSONObject) -> JSONObject:
    """What a directory returns of a submitted TD: all of it but ``@context``/registration."""
    return {k: v for k, v in td.items() if k not in ("@context", "registration")}


def contexts(td: JSONObject) -> list[Any]:
    context = td["@context"]
    return context if isinstance(context, list) else [context]


def instant(text: object) -> datetime:
    """An RFC 3339 date-time, which must carry its time zone offset."""
    assert isinstance(text, str) and RFC3339.fullmatch(text), f"{text!r} is not RFC 3339"
    return datetime.fromisoformat(text.upper())


def now() -> datetime:
    return datetime.now().astimezone()


def problem(response: httpx.Response, status: int) -> JSONObject:
    """The RFC 9457 problem details of an error response, checked for shape and status."""
    assert response.status_code == status, (response.status_code, response.text)
    assert media_type(response) == "application/problem+json"
    body: JSONObject = json.loads(response.content.decode("utf-8"))
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body.get("type", "about:blank"), str)
    assert isinstance(body.get("detail", ""), str)
    return body


def apply_merge_patch(target: Any, merge_patch: Any) -> Any:
    """RFC 7396, written out here so that the server's own implementation is not the oracle."""
    if not isinstance(merge_patch, dict):
        return merge_patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in merge_patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = apply_merge_patch(result.get(name), value)
    return result


def td_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(TD_SCHEMA.read_text("utf-8")))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@dataclass(frozen=True)
class Message:
    type: str
    data: Any
    id: str | None


class EventStream:
    """Reads an SSE response (HTML Living Standard, "server-sent events") message by message."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.iter_lines()
        self.raw: list[str] = []
        self.content_length = response.headers.get("content-length")

    def started(self) -> None:
        """Wait for the first block the server sends (thingreg opens with ``retry``): once it
        arrives, the subscription is live and no later change can be missed."""
        for line in self._lines:
            self.raw.append(line)
            if line == "":
                return
        raise EOFError

    def next(self) -> Message:
        fields: dict[str, list[str]] = {}
        for line in self._lines:
            self.raw.append(line)
            if line == "":
                if "data" in fields:
                    kind = fields.get("event", ["message"])[-1]
                    event_id = fields["id"][-1] if "id" in fields else None
                    return Message(kind, json.loads("\n".join(fields["data"])), event_id)
                fields.clear()
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        raise EOFError


@contextlib.contextmanager
def subscribe(
    server: LiveServer,
    path: str = "/events",
    headers: Mapping[str, str] | None = None,
    *,
    wait: bool = True,
) -> Iterator[EventStream]:
    with (
        httpx.Client(base_url=server.url, timeout=5) as client,
        client.stream("GET", path, headers=dict(ADMIN if headers is None else headers)) as response,
    ):
        assert response.status_code == 200
        assert media_type(response) == "text/event-stream"
        stream = EventStream(response)
        if wait:
            stream.started()
        yield stream


# -- Introduction ----------------------------------------------------------------------------


def test_introduction_direct_url(live_server: LiveServer) -> None:
    """One URL is all a client needs: from the directory's TD it reaches the whole API."""
    with httpx.Client(timeout=10) as client:
        td = client.get(live_server.url + "/.well-known/wot").json()
        things = td["properties"]["things"]["forms"][0]["href"]
        response = client.get(urljoin(td["base"], things.split("{")[0]))
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_introduction_direct_thing_description(http: httpx.Client) -> None:
    stored(http, lamp("urn:spec:direct:lamp"))
    validator = td_validator()
    for path in ("/.well-known/wot", thing_path("urn:spec:direct:lamp")):
        response = http.get(path)
        assert response.status_code == 200
        assert media_type(response) in ("application/td+json", "application/json")
        td = response.json()
        assert not list(validator.iter_errors(td)), path


def test_introduction_direct_directory_description(http: httpx.Client) -> None:
    td = fetch(http, "/.well-known/wot")
    assert td["@type"] == "ThingDirectory" or "ThingDirectory" in td["@type"]
    assert td["base"] == str(http.base_url).rstrip("/") + "/"
    assert {"createThing", "retrieveThing", "deleteThing"} <= td["actions"].keys()
    assert fetch(http, "/.well-known/wot")["id"] == td["id"]


def test_introduction_well_known_uri(http: httpx.Client) -> None:
    response = http.get("/.well-known/wot")
    assert response.status_code == 200
    assert "ThingDirectory" in json.dumps(response.json()["@type"])


def test_introduction_well_known_path(http: httpx.Client) -> None:
    response = http.get("/.well-known/wot")
    assert response.status_code == 200 and not response.history
    assert response.url.path == "/.well-known/wot"
    # It is this directory's own TD, not another registered one.
    assert response.json()["base"] == str(http.base_url).rstrip("/") + "/"


def test_introduction_well_known_thing_description(http: httpx.Client) -> None:
    response = http.get("/.well-known/wot")
    assert response.status_code == 200
    assert media_type(response) in ("application/td+json", "application/json")
    assert not list(td_validator().iter_errors(response.json()))


# -- Exploration: the directory's TD and the HTTP TD server ----------------------------------


def test_exploration_directory_description_type(http: httpx.Client) -> None:
    td = fetch(http, "/.well-known/wot")
    types = td["@type"] if isinstance(td["@type"], list) else [td["@type"]]
    if f"{DISCOVERY}#ThingDirectory" not in types:
        assert "ThingDirectory" in types
        assert DISCOVERY in contexts(td)


def test_exploration_server_http_method(http: httpx.Client) -> None:
    stored(http, lamp("urn:spec:server:method"))
    for path in ("/.well-known/wot", thing_path("urn:spec:server:method")):
        response = http.request("GET", path)
        assert response.status_code == 200
        assert "title" in response.json()


def test_exploration_server_http_resp(http: httpx.Client) -> None:
    td = lamp("urn:spec:server:resp")
    stored(http, td)
    response = http.get(thing_path("urn:spec:server:resp"))
    assert response.status_code == 200
    assert submitted_part(response.json()) == submitted_part(td)


def test_exploration_server_http_resp_content_type(http: httpx.Client) -> None:
    stored(http, lamp("urn:spec:server:content-type"))
    for path in ("/.well-known/wot", thing_path("urn:spec:server:content-type")):
        for accept in (None, "application/td+json", "application/json", "*/*"):
            response = http.get(path, headers={"Accept": accept} if accept else {})
            assert response.status_code == 200
            assert media_type(response) in ("application/td+json", "application/json")


def test_exploration_server_http_resp_json(http: httpx.Client) -> None:
    """The default is JSON, and JSON-LD 1.1 syntax (a context object, compact IRIs) survives."""
    td = lamp("urn:spec:server:json", **{"saref:hasManufacturer": "ACME"})
    stored(http, td)
    response = http.get(thing_path("urn:spec:server:json"))
    served = json.loads(response.content.decode("utf-8"))
    assert served["@context"][:2] == td["@context"]
    assert served["@type"] == "saref:LightSwitch"
    assert served["saref:hasManufacturer"] == "ACME"


def test_exploration_server_http_alternate_content(http: httpx.Client) -> None:
    stored(http, big_td("urn:spec:server:big"))
    path = thing_path("urn:spec:server:big")
    as_json = http.get(path, headers={"Accept": "application/json"})
    assert media_type(as_json) == "application/json"
    as_td = http.get(path, headers={"Accept": "application/td+json"})
    assert media_type(as_td) == "application/td+json"
    plain = http.get(path, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    gzipped = http.get(path, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert int(gzipped.headers["content-length"]) < len(plain.content)
    assert without_retrieved(gzipped.json()) == without_retrieved(plain.json())


def test_exploration_server_http_head(http: httpx.Client) -> None:
    stored(http, lamp("urn:spec:server:head"), big_td("urn:spec:server:head-big"))
    paths = (
        "/.well-known/wot",
        thing_path("urn:spec:server:head"),
        thing_path("urn:spec:server:head-big"),
    )
    for path in paths:
        for encoding in ("identity", "gzip"):
            headers = {"Accept-Encoding": encoding}
            got, head = http.get(path, headers=headers), http.head(path, headers=headers)
            assert head.status_code == got.status_code == 200
            assert head.content == b""
            for name in ("content-type", "content-encoding"):
                assert head.headers.get(name) == got.headers.get(name), (path, name)
            if encoding == "identity":  # gzip sizes vary with registration.retrieved
                assert head.headers["content-length"] == got.headers["content-length"], path


# -- Registration information ----------------------------------------------------------------


def test_tdd_context_injection(http: httpx.Client) -> None:
    stored(
        http,
        a_td("urn:spec:context:string"),
        lamp("urn:spec:context:array"),
        a_td("urn:spec:context:has-it", **{"@context": [TD_CONTEXT, DISCOVERY]}),
    )
    anonymous = post(http, a_td(None, title="Context anonymous"))
    assert anonymous.status_code == 201
    served = [
        fetch_td(http, "urn:spec:context:string"),
        fetch_td(http, "urn:spec:context:array"),
        fetch_td(http, "urn:spec:context:has-it"),
        fetch(http, anonymous.headers["location"]),
    ]
    for td in served:
        assert contexts(td).count(DISCOVERY) == 1, td["@context"]
        assert contexts(td)[0] == TD_CONTEXT
    for td in listing(http):
        assert DISCOVERY in contexts(td)


def test_tdd_absolute_time(http: httpx.Client) -> None:
    stored(
        http, a_td("urn:spec:time:offset", registration={"expires": "2999-01-01T01:30:00+01:30"})
    )
    registration = fetch_td(http, "urn:spec:time:offset")["registration"]
    for name in ("created", "modified", "retrieved", "expires"):
        instant(registration[name])
    assert instant(registration["expires"]) == instant("2999-01-01T00:00:00Z")
    # A date-time without an offset is not RFC 3339, so it cannot be interpreted.
    no_offset = a_td("urn:spec:time:no-offset", registration={"expires": "2999-01-01T00:00:00"})
    body = problem(put(http, no_offset), 400)
    assert any("expires" in error["field"] for error in body["validationErrors"])
    assert http.get(thing_path("urn:spec:time:no-offset")).status_code == 404


def test_tdd_registrationinfo_vocab_created(http: httpx.Client) -> None:
    thing_id = "urn:spec:registration:created"
    before = now()
    stored(http, a_td(thing_id, registration={"created": "2000-01-01T00:00:00Z"}))
    after = now()
    created = fetch_td(http, thing_id)["registration"]["created"]
    assert before - CLOCK_SLACK <= instant(created) <= after + CLOCK_SLACK
    time.sleep(0.01)
    stored(http, a_td(thing_id, title="Replaced"))
    assert patch(http, thing_id, {"title": "Patched"}).status_code == 204
    assert fetch_td(http, thing_id)["registration"]["created"] == created


def test_tdd_registrationinfo_vocab_modified(http: httpx.Client) -> None:
    thing_id = "urn:spec:registration:modified"
    stored(http, a_td(thing_id, registration={"modified": "2000-01-01T00:00:00Z"}))
    first = fetch_td(http, thing_id)["registration"]
    assert instant(first["created"]) <= instant(first["modified"])
    assert now() - instant(first["modified"]) < CLOCK_SLACK
    time.sleep(0.01)
    stored(http, a_td(thing_id, title="Replaced"))
    second = fetch_td(http, thing_id)["registration"]["modified"]
    assert instant(second) > instant(first["modified"])
    time.sleep(0.01)
    assert patch(http, thing_id, {"title": "Patched"}).status_code == 204
    assert instant(fetch_td(http, thing_id)["registration"]["modified"]) > instant(second)


def test_tdd_registrationinfo_vocab_expires(http: httpx.Client) -> None:
    stored(
        http, a_td("urn:spec:expires:absolute", registration={"expires": "2999-12-31T23:00:00Z"})
    )
    registration = fetch_td(http, "urn:spec:expires:absolute")["registration"]
    assert instant(registration["expires"]) == instant("2999-12-31T23:00:00Z")
    # With a ttl the client's expires is ignored: the server computes it.
    before = now()
    relative = {"ttl": 3600, "expires": "2999-12-31T23:00:00Z"}
    stored(http, a_td("urn:spec:expires:relative", registration=relative))
    after = now()
    expires = instant(fetch_td(http, "urn:spec:expires:relative")["registration"]["expires"])
    hour = timedelta(seconds=3600)
    assert before + hour - CLOCK_SLACK <= expires <= after + hour + CLOCK_SLACK


def test_tdd_registrationinfo_vocab_ttl(http: httpx.Client) -> None:
    thing_id = "urn:spec:ttl"
    before = now()
    stored(http, a_td(thing_id, registration={"ttl": 3600}))
    after = now()
    registration = fetch_td(http, thing_id)["registration"]
    assert registration["ttl"] == 3600
    hour = timedelta(seconds=3600)
    expires = instant(registration["expires"])
    assert before + hour - CLOCK_SLACK <= expires <= after + hour + CLOCK_SLACK
    assert expires - instant(registration["modified"]) == hour
    # An empty merge patch renews the registration: expires is computed again from ttl.
    time.sleep(0.02)
    assert patch(http, thing_id, {}).status_code == 204
    renewed = fetch_td(http, thing_id)["registration"]
    assert instant(renewed["expires"]) > expires
    assert instant(renewed["expires"]) - instant(renewed["modified"]) == hour
    stored(http, a_td(thing_id, registration={"ttl": 7200}))
    longer = fetch_td(http, thing_id)["registration"]
    assert instant(longer["expires"]) - instant(longer["modified"]) == 2 * hour


def test_tdd_registrationinfo_vocab_retrieved(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:retrieved"))
    before = now()
    first = instant(fetch_td(http, "urn:spec:retrieved")["registration"]["retrieved"])
    after = now()
    assert before - CLOCK_SLACK <= first <= after + CLOCK_SLACK
    time.sleep(0.02)
    second = instant(fetch_td(http, "urn:spec:retrieved")["registration"]["retrieved"])
    assert second > first
    listed = next(td for td in listing(http) if td["id"] == "urn:spec:retrieved")
    assert instant(listed["registration"]["retrieved"]) >= second


def test_tdd_registrationinfo_expiry_purge(http: httpx.Client) -> None:
    short = a_td("urn:spec:purge:ttl", registration={"ttl": 0.5})
    past = a_td("urn:spec:purge:past", registration={"expires": "2001-01-01T00:00:00Z"})
    stored(http, short, past)
    deadline = time.monotonic() + 10
    remaining = {"urn:spec:purge:ttl", "urn:spec:purge:past"}
    while remaining and time.monotonic() < deadline:
        time.sleep(0.1)
        remaining = {i for i in remaining if http.get(thing_path(i)).status_code != 404}
    assert not remaining, f"not purged: {remaining}"
    assert not {"urn:spec:purge:ttl", "urn:spec:purge:past"} & set(ids_of(listing(http)))


def test_tdd_anonymous_td_identifier(http: httpx.Client) -> None:
    response = post(http, a_td(None, title="Anonymous identifier"))
    assert response.status_code == 201
    retrieved = fetch(http, response.headers["location"])
    local_id = retrieved["id"]
    assert response.headers["location"] == thing_path(local_id)
    assert local_id in ids_of(listing(http))
    query = "$[?@.title=='Anonymous identifier']"
    found = fetch(http, "/search/jsonpath?query=" + quote(query))
    assert [td["id"] for td in found] == [local_id]


def test_tdd_anonymous_td_local_uuid(http: httpx.Client) -> None:
    local_ids = set()
    for _ in range(3):
        response = post(http, a_td(None, title="Anonymous UUID"))
        assert response.status_code == 201
        local_id = fetch(http, response.headers["location"])["id"]
        assert local_id.startswith("urn:uuid:")
        parsed = uuid.UUID(local_id.removeprefix("urn:uuid:"))
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert parsed.urn == local_id
        local_ids.add(local_id)
    assert len(local_ids) == 3


# -- HTTP API: errors, HEAD, unsupported features --------------------------------------------


def test_tdd_http_error_response(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:errors"))
    existing = thing_path("urn:spec:errors")
    too_large = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    cases: list[tuple[str, str, bytes, dict[str, str], int]] = [
        ("GET", thing_path("urn:spec:errors:missing"), b"", {}, 404),
        ("GET", "/no/such/endpoint", b"", {}, 404),
        ("PUT", existing, b"{not json", TD_JSON, 400),
        ("GET", "/things?limit=-1", b"", {}, 400),
        ("PUT", existing, encode(a_td("urn:spec:errors")), {"Content-Type": "text/plain"}, 415),
        ("PUT", existing, too_large, TD_JSON, 413),
        ("PATCH", "/things", b"{}", MERGE_PATCH, 405),
        ("GET", existing, b"", {"Accept": "text/html"}, 406),
        ("GET", "/search/sparql?query=" + quote("SELECT * WHERE {?s ?p ?o}"), b"", {}, 501),
    ]
    for method, path, content, headers, status in cases:
        problem(http.request(method, path, content=content, headers=headers), status)


def test_tdd_http_error_response_utf_8(http: httpx.Client) -> None:
    thing_id = "urn:spec:errors:caf\u00e9-\U0001f600"
    response = http.get(thing_path(thing_id))
    # Unknown (404), or refused as not a URI (400) where ids must be ASCII: either way an
    # error whose detail names the id.
    body = problem(response, 404 if response.status_code == 404 else 400)
    assert response.headers["content-type"].lower().replace(" ", "") in (
        "application/problem+json",
        "application/problem+json;charset=utf-8",
    )
    assert thing_id in body["detail"]


def test_tdd_http_head(http: httpx.Client, live_server: LiveServer) -> None:
    stored(http, a_td("urn:spec:head"))
    paths = [
        "/things",
        "/things?limit=1",
        "/things?format=collection",
        thing_path("urn:spec:head"),
        "/search/jsonpath?query=" + quote("$[*].id"),
        "/.well-known/wot",
        "/openapi.json",
        "/healthz",
    ]
    wrong = []
    for path in paths:
        got, head = http.get(path, headers=IDENTITY), http.head(path, headers=IDENTITY)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.headers.get("link") == got.headers.get("link"), path
        # RFC 9110 8.6: a HEAD response may leave Content-Length out, not give another value.
        if head.headers.get("content-length", str(len(got.content))) != str(len(got.content)):
            wrong.append(f"{path}: {head.headers['content-length']} != {len(got.content)}")
    for path in ("/events", "/events/thing_created"):
        head = http.head(path)
        assert head.status_code == 200 and head.content == b""
        assert media_type(head) == "text/event-stream"
        with subscribe(live_server, path, wait=False) as stream:
            streamed_length = stream.content_length
        if head.headers.get("content-length") != streamed_length:
            wrong.append(f"{path}: {head.headers.get('content-length')} != {streamed_length}")
    assert not wrong, "HEAD Content-Length differs from GET: " + "; ".join(wrong)


def test_tdd_http_unsupported_feature(http: httpx.Client) -> None:
    for path in ("/search/sparql?query=ASK%20%7B%7D", "/search/xpath?query=%2F%2Ftitle"):
        response = http.get(path)
        assert response.status_code in (404, 501), path
        problem(response, response.status_code)
    not_allowed = http.patch("/things", content=b"{}", headers=MERGE_PATCH)
    problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["allow"] and "PATCH" not in not_allowed.headers["allow"]
    problem(http.get("/things?format=turtle"), 400)


# -- Things API: the collection and its interfaces -------------------------------------------


def test_tdd_things_list_only(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:list-only"))
    assert "urn:spec:list-only" in ids_of(listing(http))


def test_tdd_things_crud(http: httpx.Client) -> None:
    thing_id = "urn:spec:crud"
    assert put(http, a_td(thing_id)).status_code == 201
    assert fetch_td(http, thing_id)["title"] == "Thing One"
    assert put(http, a_td(thing_id, title="Updated")).status_code == 204
    assert fetch_td(http, thing_id)["title"] == "Updated"
    assert http.delete(thing_path(thing_id)).status_code == 204
    assert http.get(thing_path(thing_id)).status_code == 404


def test_tdd_things_crudl(http: httpx.Client) -> None:
    created = post(http, a_td(None, title="CRUDL"))
    assert created.status_code == 201
    thing_id = fetch(http, created.headers["location"])["id"]
    assert thing_id in ids_of(listing(http))
    assert patch(http, thing_id, {"title": "CRUDL patched"}).status_code == 204
    listed = next(td for td in listing(http) if td["id"] == thing_id)
    assert listed["title"] == "CRUDL patched"
    replacement = a_td(thing_id, title="CRUDL replaced")
    assert put(http, replacement).status_code == 204
    assert fetch_td(http, thing_id)["title"] == "CRUDL replaced"
    assert http.delete(thing_path(thing_id)).status_code == 204
    assert thing_id not in ids_of(listing(http))


def test_tdd_things_read_only_auth(token_server: LiveServer) -> None:
    thing_id = "urn:spec:auth"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=token_server.url, timeout=10) as http:
        denied = [
            put(http, a_td(thing_id)),
            post(http, a_td(None)),
            put(http, a_td(thing_id), headers={**TD_JSON, "Authorization": "Bearer wrong"}),
            put(http, a_td(thing_id), headers={**TD_JSON, "Authorization": f"Basic {TOKEN}"}),
        ]
        for response in denied:
            problem(response, 401)
            assert response.headers["www-authenticate"].lower().startswith("bearer")
        assert fetch(http, "/things") == []
        assert put(http, a_td(thing_id), headers={**TD_JSON, **bearer}).status_code == 201
        problem(http.get(thing_path(thing_id)), 404)  # private until its owner says otherwise
        public = {"visibility": "public"}
        assert http.put(thing_path(thing_id) + "/access", json=public, headers=bearer).is_success
        problem(patch(http, thing_id, {"title": "Nope"}), 401)
        problem(http.delete(thing_path(thing_id)), 401)
        # Reads of a public thing are open.
        assert fetch_td(http, thing_id)["title"] == "Thing One"
        assert ids_of(fetch(http, "/things")) == [thing_id]
        assert fetch(http, "/search/jsonpath?query=" + quote("$[*].id")) == [thing_id]
        assert http.get("/.well-known/wot").status_code == 200
        with subscribe(token_server, headers={}):
            pass
        assert patch(http, thing_id, {"title": "Yes"}, {**MERGE_PATCH, **bearer}).status_code == 204
        assert http.delete(thing_path(thing_id), headers=bearer).status_code == 204
        created = post(http, a_td(None), headers={**TD_JSON, **bearer})
        assert created.status_code == 201


def test_tdd_things_default_representation(http: httpx.Client) -> None:
    """Requests in JSON are understood, success responses are JSON with JSON-LD syntax."""
    td = lamp("urn:spec:representation")
    assert put(http, td, headers={"Content-Type": "application/td+json"}).status_code in (201, 204)
    responses = [
        http.get(thing_path("urn:spec:representation")),
        http.get("/things"),
        http.get("/things?format=collection"),
        http.get("/search/jsonpath?query=" + quote("$[?@.id=='urn:spec:representation']")),
        http.get("/.well-known/wot"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert media_type(response) in (
            "application/json",
            "application/td+json",
            "application/ld+json",
        )
        json.loads(response.content.decode("utf-8"))
    assert responses[0].json()["@context"][:2] == td["@context"]
    assert responses[2].json()["@context"] == DISCOVERY


def test_tdd_http_representation_alternate_output(http: httpx.Client) -> None:
    stored(http, *(big_td(f"urn:spec:alternate-output:{n}") for n in range(3)))
    for path, default in (
        ("/things", "application/ld+json"),
        (thing_path("urn:spec:alternate-output:0"), "application/td+json"),
    ):
        assert media_type(http.get(path)) == default
        assert (
            media_type(http.get(path, headers={"Accept": "application/json"})) == "application/json"
        )
        plain = http.get(path, headers=IDENTITY)
        gzipped = http.get(path, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert gzipped.headers["content-encoding"] == "gzip"
        assert len(gzipped.json()) == len(plain.json())


# -- Things API: creation --------------------------------------------------------------------


def test_tdd_things_create_known_vs_anonymous(http: httpx.Client) -> None:
    known = put(http, a_td("urn:spec:known-vs-anonymous"))
    assert known.status_code == 201
    assert fetch_td(http, "urn:spec:known-vs-anonymous")["title"] == "Thing One"
    anonymous = post(http, a_td(None))
    assert anonymous.status_code == 201
    assert fetch(http, anonymous.headers["location"])["id"].startswith("urn:uuid:")
    # Each kind has its own interface; the other one refuses it.
    without_id = http.put(thing_path("urn:spec:no-id"), content=encode(a_td(None)), headers=TD_JSON)
    problem(without_id, 400)
    assert http.get(thing_path("urn:spec:no-id")).status_code == 404
    problem(post(http, a_td("urn:spec:posted-with-id")), 400)
    assert http.get(thing_path("urn:spec:posted-with-id")).status_code == 404


def test_tdd_things_create_known_td(http: httpx.Client) -> None:
    for thing_id in (
        "urn:spec:known/td:1",
        "https://example.com/things/1?x=1#f",
        "did:example:123",
    ):
        response = put(http, a_td(thing_id))
        assert response.status_code == 201, thing_id
        assert fetch_td(http, thing_id)["id"] == thing_id
    mismatch = http.put(
        thing_path("urn:spec:known:url"),
        content=encode(a_td("urn:spec:known:body")),
        headers=TD_JSON,
    )
    problem(mismatch, 400)
    assert http.get(thing_path("urn:spec:known:url")).status_code == 404
    assert http.get(thing_path("urn:spec:known:body")).status_code == 404


def test_tdd_things_create_known_contenttype(http: httpx.Client) -> None:
    for n, content_type in enumerate(("application/td+json", "application/td+json; charset=utf-8")):
        thing_id = f"urn:spec:known-content-type:{n}"
        assert put(http, a_td(thing_id), {"Content-Type": content_type}).status_code == 201
        assert fetch_td(http, thing_id)["id"] == thing_id


def test_tdd_things_create_known_td_resp(http: httpx.Client) -> None:
    assert http.get(thing_path("urn:spec:known-resp")).status_code == 404
    response = put(http, a_td("urn:spec:known-resp"))
    assert response.status_code == 201
    assert fetch_td(http, "urn:spec:known-resp")["id"] == "urn:spec:known-resp"


def test_tdd_things_create_anonymous_td(http: httpx.Client) -> None:
    response = http.post("/things", content=encode(a_td(None, title="Posted")), headers=TD_JSON)
    assert response.status_code == 201
    assert fetch(http, response.headers["location"])["title"] == "Posted"


def test_tdd_things_create_anonymous_contenttype(http: httpx.Client) -> None:
    for content_type in ("application/td+json", "application/td+json; charset=utf-8"):
        response = post(http, a_td(None, title="Typed"), {"Content-Type": content_type})
        assert response.status_code == 201
        assert fetch(http, response.headers["location"])["title"] == "Typed"


def test_tdd_things_create_anonymous_id(http: httpx.Client) -> None:
    response = post(http, a_td(None, title="Managed"))
    assert response.status_code == 201
    local_id = fetch(http, response.headers["location"])["id"]
    assert patch(http, local_id, {"title": "Managed again"}).status_code == 204
    assert fetch_td(http, local_id)["title"] == "Managed again"
    assert http.delete(thing_path(local_id)).status_code == 204
    assert http.get(thing_path(local_id)).status_code == 404


def test_tdd_things_create_anonymous_td_resp(http: httpx.Client) -> None:
    response = post(http, a_td(None, title="Located"))
    assert response.status_code == 201
    location = urljoin(str(response.url), response.headers["location"])
    assert location.startswith(str(http.base_url).rstrip("/") + "/things/")
    assert httpx.get(location, headers=ADMIN).json()["title"] == "Located"


# -- Things API: retrieval -------------------------------------------------------------------


def test_tdd_things_retrieve(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:retrieve:a", title="A"), a_td("urn:spec:retrieve:b", title="B"))
    assert fetch_td(http, "urn:spec:retrieve:a")["title"] == "A"
    assert fetch_td(http, "urn:spec:retrieve:b")["title"] == "B"
    problem(http.get(thing_path("urn:spec:retrieve:c")), 404)


def test_tdd_things_retrieve_resp(http: httpx.Client) -> None:
    td = lamp("urn:spec:retrieve-resp")
    stored(http, td)
    response = http.get(thing_path("urn:spec:retrieve-resp"))
    assert response.status_code == 200
    assert submitted_part(response.json()) == submitted_part(td)


def test_tdd_things_retrieve_resp_content_type(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:retrieve-content-type"))
    for accept in (None, "application/td+json", "application/json", "application/*"):
        headers = {"Accept": accept} if accept else {}
        response = http.get(thing_path("urn:spec:retrieve-content-type"), headers=headers)
        assert response.status_code == 200
        assert media_type(response) in ("application/td+json", "application/json")


# -- Things API: update ----------------------------------------------------------------------


def test_tdd_things_update(http: httpx.Client) -> None:
    thing_id = "urn:spec:update"
    stored(http, lamp(thing_id))
    replacement = a_td(thing_id, title="Replaced", support="https://support.example")
    assert put(http, replacement).status_code == 204
    served = fetch_td(http, thing_id)
    assert submitted_part(served) == submitted_part(replacement)
    assert "properties" not in served and "description" not in served


def test_tdd_things_update_contenttype(http: httpx.Client) -> None:
    thing_id = "urn:spec:update-content-type"
    stored(http, a_td(thing_id))
    for title, content_type in (
        ("One", "application/td+json"),
        ("Two", "application/td+json; charset=utf-8"),
    ):
        assert (
            put(http, a_td(thing_id, title=title), {"Content-Type": content_type}).status_code
            == 204
        )
        assert fetch_td(http, thing_id)["title"] == title


def test_tdd_things_update_resp(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:update-resp"))
    response = put(http, a_td("urn:spec:update-resp", title="Again"))
    assert response.status_code == 204
    assert response.content == b""


def test_tdd_things_update_partial(http: httpx.Client) -> None:
    thing_id = "urn:spec:update-partial"
    td = lamp(thing_id)
    stored(http, td)
    assert patch(http, thing_id, {"title": "Partially updated"}).status_code == 204
    served = fetch_td(http, thing_id)
    assert served["title"] == "Partially updated"
    assert submitted_part(served) == {**submitted_part(td), "title": "Partially updated"}
    problem(patch(http, "urn:spec:update-partial:missing", {"title": "x"}), 404)


def test_tdd_things_update_partial_mergepatch(http: httpx.Client) -> None:
    thing_id = "urn:spec:merge-patch"
    td = lamp(thing_id, tags=["a", "b"])
    stored(http, td)
    merge_patch = {
        "description": None,
        "properties": {
            "on": {"description": "Power state"},
            "level": {"type": "integer", "forms": [{"href": "https://lamp.example/level"}]},
        },
        "tags": ["c"],
    }
    assert patch(http, thing_id, merge_patch).status_code == 204
    served = fetch_td(http, thing_id)
    assert submitted_part(served) == submitted_part(apply_merge_patch(td, merge_patch))
    assert "description" not in served
    assert served["properties"]["on"]["forms"] == td["properties"]["on"]["forms"]
    assert served["tags"] == ["c"]


def test_tdd_things_update_partial_contenttype(http: httpx.Client) -> None:
    thing_id = "urn:spec:merge-patch-content-type"
    stored(http, a_td(thing_id))
    for content_type in ("application/json", "application/td+json", "application/json-patch+json"):
        response = patch(http, thing_id, {"title": "Wrong"}, {"Content-Type": content_type})
        problem(response, 415)
    assert fetch_td(http, thing_id)["title"] == "Thing One"
    assert patch(http, thing_id, {"title": "Right"}).status_code == 204
    assert fetch_td(http, thing_id)["title"] == "Right"


def test_tdd_things_update_partial_partialtd(http: httpx.Client) -> None:
    thing_id = "urn:spec:partial-td"
    stored(http, a_td(thing_id))
    invalid = [
        {"title": None},
        {"title": 42},
        {"securityDefinitions": None},
        {"id": "urn:spec:other"},
        ["title"],
    ]
    for merge_patch in invalid:
        problem(patch(http, thing_id, merge_patch), 400)
    body = problem(patch(http, thing_id, {"title": 42}), 400)
    assert any("title" in error["field"] for error in body["validationErrors"])
    assert submitted_part(fetch_td(http, thing_id)) == submitted_part(a_td(thing_id))


def test_tdd_things_update_partial_resp(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:partial-resp"))
    response = patch(http, "urn:spec:partial-resp", {"description": "Patched"})
    assert response.status_code == 204
    assert response.content == b""


# -- Things API: deletion --------------------------------------------------------------------


def test_tdd_things_delete(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:delete"), a_td("urn:spec:delete:kept"))
    assert http.request("DELETE", thing_path("urn:spec:delete")).status_code == 204
    assert http.get(thing_path("urn:spec:delete")).status_code == 404
    remaining = ids_of(listing(http))
    assert "urn:spec:delete" not in remaining and "urn:spec:delete:kept" in remaining


def test_tdd_things_delete_resp(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:delete-resp"))
    response = http.delete(thing_path("urn:spec:delete-resp"))
    assert response.status_code == 204
    assert response.content == b""
    problem(http.delete(thing_path("urn:spec:delete-resp")), 404)


# -- Things API: listing ---------------------------------------------------------------------


def test_tdd_things_list_method(http: httpx.Client) -> None:
    td = lamp("urn:spec:list-method")
    stored(http, td)
    response = http.get("/things")
    assert response.status_code == 200
    listed = next(item for item in response.json() if item["id"] == "urn:spec:list-method")
    assert submitted_part(listed) == submitted_part(td)


def test_tdd_things_list_resp(http: httpx.Client) -> None:
    stored(http, a_td("urn:spec:list-resp"))
    response = http.get("/things")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and body
    validator = td_validator()
    for td in body:
        assert not list(validator.iter_errors(td)), td["id"]


def test_tdd_things_list_resp_content_type(http: httpx.Client) -> None:
    for accept in (None, "application/ld+json", "application/json", "*/*"):
        response = http.get("/things", headers={"Accept": accept} if accept else {})
        assert response.status_code == 200
        assert media_type(response) in ("application/ld+json", "application/json")


def _paging_fixture(http: httpx.Client, name: str) -> list[str]:
    """At least seven things in the directory; returns all ids in the unpaged listing."""
    stored(http, *(a_td(f"urn:spec:{name}:{n}") for n in range(7)))
    return ids_of(listing(http))


def test_tdd_things_list_pagination(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "pagination")
    paged = []
    for offset in range(0, len(everything), 4):
        paged += ids_of(fetch(http, f"/things?offset={offset}&limit=4"))
    assert paged == everything


def test_tdd_things_list_pagination_limit(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "limit")
    for limit in (1, 2, 5):
        page = ids_of(fetch(http, f"/things?limit={limit}"))
        assert 0 < len(page) <= limit
        assert page == everything[: len(page)]
    assert ids_of(fetch(http, f"/things?limit={len(everything) + 10}")) == everything


def test_tdd_things_list_pagination_header_nextlink(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "next")
    first = http.get("/things?limit=2")
    assert "next" in first.links
    last = http.get(f"/things?offset={len(everything) - 2}&limit=2")
    assert len(last.json()) == 2
    assert "next" not in last.links
    assert "next" not in http.get("/things").links


def test_tdd_things_list_pagination_header_nextlink_attr(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "next-attr")
    for extra in ("", "&format=collection"):
        seen: list[str] = []
        url: str | None = f"/things?limit=3{extra}"
        while url is not None:
            response = http.get(url)
            body = response.json()
            seen += ids_of(body["members"] if extra else body)
            url = response.links.get("next", {}).get("url")
            if url is not None:
                query = query_of(url)
                assert query["limit"] == ["3"]
                assert query["offset"] == [str(len(seen))]
                assert query.get("format", ["array"]) == ["collection" if extra else "array"]
        assert seen == everything


def test_tdd_things_list_pagination_header_nextlink_base(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "next-base")
    base = fetch(http, "/.well-known/wot")["base"]
    next_url = http.get("/things?limit=2").links["next"]["url"]
    resolved = urljoin(base, next_url)
    assert resolved.startswith(base + "things")
    with httpx.Client(timeout=10, headers=ADMIN) as client:
        assert ids_of(client.get(resolved).json()) == everything[2:4]


def test_tdd_things_list_pagination_header_canonicallink(http: httpx.Client) -> None:
    _paging_fixture(http, "canonical")
    pages = [http.get("/things?limit=2"), http.get("/things?offset=2&limit=2"), http.get("/things")]
    etags = set()
    for response in pages:
        canonical = response.links["canonical"]
        assert urlsplit(urljoin(str(response.url), canonical["url"])).path == "/things"
        assert canonical["etag"]
        etags.add(canonical["etag"])
    assert len(etags) == 1, "the collection did not change, the etag must not either"
    before = etags.pop()
    stored(http, a_td("urn:spec:canonical:new"))
    created = http.get("/things?limit=2").links["canonical"]["etag"]
    assert created != before
    assert http.delete(thing_path("urn:spec:canonical:new")).status_code == 204
    deleted = http.get("/things?limit=2").links["canonical"]["etag"]
    assert deleted not in (before, created)


def test_tdd_things_list_pagination_order_default(http: httpx.Client) -> None:
    # Code point order, not a case-insensitive, locale ("ignore punctuation") or natural one.
    ours = ["urn:x:B", "urn:x:a", "urn:x:Z", "urn:x:b", "urn:x:10", "urn:x:9", "urn:x:_"]
    ours += ["urn:x:-", "urn:x:~", "urn:x:%C3%A9"]
    by_code_point = ["urn:x:%C3%A9", "urn:x:-", "urn:x:10", "urn:x:9", "urn:x:B", "urn:x:Z"]
    by_code_point += ["urn:x:_", "urn:x:a", "urn:x:b", "urn:x:~"]
    assert sorted(ours) == by_code_point
    stored(http, *(a_td(thing_id) for thing_id in reversed(ours)))
    # Where ids may be IRIs, non-ASCII ones sort by code point too: U+FF21 comes before
    # U+1F600 by code point but after it in UTF-16. Whether a directory accepts IRIs as
    # ids is not this assertion's business, so a refusal is accepted.
    for iri in ("urn:x:\u00e9", "urn:x:\U0001f600", "urn:x:\uff21"):
        response = put(http, a_td(iri))
        if response.status_code == 400:  # the TD is the same as the others but for its id
            problem(response, 400)
        else:
            assert response.status_code in (201, 204), response.text
            ours.append(iri)
    everything = ids_of(listing(http))
    assert everything == sorted(everything)
    assert [i for i in everything if i in ours] == sorted(ours)
    paged = []
    for offset in range(0, len(everything), 3):
        paged += ids_of(fetch(http, f"/things?offset={offset}&limit=3"))
    assert paged == everything


def test_tdd_things_list_pagination_collection(http: httpx.Client) -> None:
    everything = _paging_fixture(http, "collection")
    first = fetch(http, "/things?limit=3&format=collection")
    assert first["@context"] == DISCOVERY
    assert first["@type"] == "ThingCollection"
    assert first["total"] == len(everything)
    assert ids_of(first["members"]) == everything[:3]
    assert query_of(first["@id"]) == {"offset": ["0"], "limit": ["3"], "format": ["collection"]}
    second = fetch(http, first["next"])
    assert ids_of(second["members"]) == everything[3:6]
    whole = fetch(http, "/things?format=collection")
    assert ids_of(whole["members"]) == everything and "next" not in whole


# -- Validation ------------------------------------------------------------------------------

INVALID_TDS: dict[str, JSONObject] = {
    "no security": {k: v for k, v in a_td("urn:v").items() if k != "security"},
    "no title": {k: v for k, v in a_td("urn:v").items() if k != "title"},
    "title not a string": a_td("urn:v", title=42),
    "no security definition": a_td("urn:v", securityDefinitions={}),
    "empty security": a_td("urn:v", security=[]),
    "form without href": a_td("urn:v", properties={"p": {"type": "boolean", "forms": [{}]}}),
    "href not a string": a_td("urn:v", properties={"p": {"forms": [{"href": 5}]}}),
    "foreign context": a_td("urn:v", **{"@context": "https://example.com/context"}),
    "version not an object": a_td("urn:v", version="1.0"),
    "event without forms": a_td("urn:v", events={"e": {}}),
    "base not a string": a_td("urn:v", base=12),
    "link href not a string": a_td("urn:v", links=[{"href": 5}]),
    "unknown security scheme": a_td(
        "urn:v", securityDefinitions={"x": {"scheme": "magic"}}, security="x"
    ),
    "unknown operation": a_td(
        "urn:v", properties={"p": {"forms": [{"href": "https://x.example/p", "op": "explode"}]}}
    ),
}


def test_tdd_validation_syntactic(http: httpx.Client) -> None:
    path = thing_path("urn:spec:syntactic")
    for content in (
        b"{not json",
        b"[]",
        b'"a string"',
        b"",
        encode(INVALID_TDS["no title"] | {"id": "urn:spec:syntactic"}),
    ):
        problem(http.put(path, content=content, headers=TD_JSON), 400)
        assert http.get(path).status_code == 404
    problem(http.post("/things", content=b"[1, 2]", headers=TD_JSON), 400)


def test_tdd_validation_jsonschema(http: httpx.Client) -> None:
    """The TD 1.1 JSON Schema is the oracle: what it refuses the directory must refuse."""
    validator = td_validator()
    for name, td in INVALID_TDS.items():
        thing_id = "urn:spec:schema:" + name.replace(" ", "-")
        submitted = {**td, "id": thing_id}
        assert list(validator.iter_errors(submitted)), f"the schema accepts {name!r}"
        problem(put(http, submitted), 400)
        assert http.get(thing_path(thing_id)).status_code == 404, name
    valid = [
        a_td("urn:spec:schema:v1.0", **{"@context": "https://www.w3.org/2019/wot/td/v1"}),
        lamp("urn:spec:schema:lamp"),
    ]
    discovery = Draft7Validator(json.loads(DISCOVERY_SCHEMA.read_text("utf-8")))
    for td in valid:
        assert not list(validator.iter_errors(td))
        stored(http, td)
        enriched = fetch_td(http, str(td["id"]))
        assert not list(validator.iter_errors(enriched))
        assert not list(discovery.iter_errors(enriched))


def test_tdd_validation_result(http: httpx.Client) -> None:
    td = a_td("urn:spec:validation-result", title=42, properties={"p": {"forms": [{"href": 5}]}})
    body = problem(put(http, td), 400)
    fields = [error["field"] for error in body["validationErrors"]]
    assert any("title" in field for field in fields), fields
    assert any("href" in field for field in fields), fields
    assert all(error["description"] for error in body["validationErrors"])


def test_tdd_validation_response(http: httpx.Client) -> None:
    response = put(http, INVALID_TDS["no security"] | {"id": "urn:spec:validation-response"})
    body = problem(response, 400)
    errors = body["validationErrors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert isinstance(error["field"], str) and error["field"]
        assert isinstance(error["description"], str) and error["description"]


def test_tdd_validation_response_utf_8(http: httpx.Client) -> None:
    name = "temp\u00e9rature-\u6e29\u5ea6"
    td = a_td("urn:spec:validation-utf-8", properties={name: {"forms": [{"href": 5}]}})
    response = put(http, td)
    body = problem(response, 400)  # decodes the body as strict UTF-8
    assert any(name in error["field"] + error["description"] for error in body["validationErrors"])


# -- Notification API ------------------------------------------------------------------------


def test_tdd_notification(http: httpx.Client, live_server: LiveServer) -> None:
    with subscribe(live_server) as events:
        stored(http, a_td("urn:spec:events:offered"))
        message = events.next()
    assert (message.type, message.data["id"]) == ("thing_created", "urn:spec:events:offered")


def test_tdd_notification_sse(http: httpx.Client, live_server: LiveServer) -> None:
    with subscribe(live_server, "/events") as events:
        stored(http, a_td("urn:spec:events:sse"))
        events.next()
    for line in events.raw:
        if line and not line.startswith(":"):
            assert line.partition(":")[0] in ("event", "data", "id", "retry"), line
    assert events.raw[-1] == ""
    assert "event: thing_created" in events.raw


def test_tdd_notification_event_id(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:replay"
    with subscribe(live_server) as events:
        stored(http, a_td(thing_id))
        seen = events.next()
    assert seen.id
    # While disconnected:
    assert patch(http, thing_id, {"title": "Missed"}).status_code == 204
    stored(http, a_td(thing_id + ":2"))
    assert http.delete(thing_path(thing_id)).status_code == 204
    with subscribe(live_server, headers={**ADMIN, "Last-Event-ID": seen.id}, wait=False) as events:
        missed = [events.next() for _ in range(3)]
    assert [(m.type, m.data["id"]) for m in missed] == [
        ("thing_updated", thing_id),
        ("thing_created", thing_id + ":2"),
        ("thing_deleted", thing_id),
    ]
    assert all(m.id for m in missed)
    assert len({seen.id, *(m.id for m in missed)}) == 4


def test_tdd_notification_event_types(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:types"
    with subscribe(live_server) as events:
        stored(http, a_td(thing_id))
        stored(http, a_td(thing_id, title="Replaced"))
        assert patch(http, thing_id, {"title": "Patched"}).status_code == 204
        assert http.delete(thing_path(thing_id)).status_code == 204
        received = [events.next() for _ in range(4)]
    assert [(m.type, m.data["id"]) for m in received] == [
        ("thing_created", thing_id),
        ("thing_updated", thing_id),
        ("thing_updated", thing_id),
        ("thing_deleted", thing_id),
    ]


def test_tdd_notification_filter_type(http: httpx.Client, live_server: LiveServer) -> None:
    kinds = ("thing_created", "thing_updated", "thing_deleted")
    with contextlib.ExitStack() as stack:
        streams = {
            kind: stack.enter_context(subscribe(live_server, f"/events/{kind}")) for kind in kinds
        }
        for thing_id in ("urn:spec:events:filter:1", "urn:spec:events:filter:2"):
            stored(http, a_td(thing_id))
            assert patch(http, thing_id, {"title": "Filtered"}).status_code == 204
            assert http.delete(thing_path(thing_id)).status_code == 204
        for kind, stream in streams.items():
            # The second change of this kind comes right after the first: nothing in between.
            received = [stream.next(), stream.next()]
            assert [(m.type, m.data["id"]) for m in received] == [
                (kind, "urn:spec:events:filter:1"),
                (kind, "urn:spec:events:filter:2"),
            ]


def test_tdd_notification_data(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:data"
    for path in ("/events", "/events?diff=true"):
        with subscribe(live_server, path) as events:
            stored(http, a_td(thing_id))
            assert patch(http, thing_id, {"title": "Data"}).status_code == 204
            assert http.delete(thing_path(thing_id)).status_code == 204
            for _ in range(3):
                assert isinstance(events.next().data, dict)


def test_tdd_notification_data_td_id(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:td-id"
    with subscribe(live_server) as events:
        stored(http, a_td(thing_id))
        assert patch(http, thing_id, {"title": "Id"}).status_code == 204
        assert http.delete(thing_path(thing_id)).status_code == 204
        received = [events.next() for _ in range(3)]
    assert [m.data["id"] for m in received] == [thing_id] * 3


def test_tdd_notification_data_create_full(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:create-full"
    with subscribe(live_server, "/events/thing_created?diff=true") as events:
        stored(http, lamp(thing_id))
        message = events.next()
    assert message.data == without_retrieved(fetch_td(http, thing_id))


def test_tdd_notification_data_update_diff(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:update-diff"
    stored(http, lamp(thing_id))
    before = without_retrieved(fetch_td(http, thing_id))
    with subscribe(live_server, "/events/thing_updated?diff=true") as events:
        change = {"title": "Diffed", "description": None, "properties": {"on": {"readOnly": True}}}
        assert patch(http, thing_id, change).status_code == 204
        message = events.next()
    after = without_retrieved(fetch_td(http, thing_id))
    assert apply_merge_patch(before, message.data) == after
    assert message.data["description"] is None
    assert "securityDefinitions" not in message.data


def test_tdd_notification_data_update_id(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:update-id"
    stored(http, a_td(thing_id))
    with subscribe(live_server, "/events/thing_updated?diff=true") as events:
        assert patch(http, thing_id, {"description": "No id in this patch"}).status_code == 204
        stored(http, a_td(thing_id, title="Nor in this replacement's changes"))
        received = [events.next(), events.next()]
    assert [m.data["id"] for m in received] == [thing_id, thing_id]


def test_tdd_notification_data_delete_diff(http: httpx.Client, live_server: LiveServer) -> None:
    thing_id = "urn:spec:events:delete-diff"
    stored(http, lamp(thing_id))
    with subscribe(live_server, "/events?diff=true") as events:
        assert http.delete(thing_path(thing_id)).status_code == 204
        message = events.next()
    assert (message.type, message.data) == ("thing_deleted", {"id": thing_id})


# -- Search ----------------------------------------------------------------------------------


def test_tdd_search_large_tdds(http: httpx.Client) -> None:
    stored(http, lamp("urn:spec:search:1", title="Searched lamp"), a_td("urn:spec:search:2"))
    response = http.get("/search/jsonpath", params={"query": "$[?@.title=='Searched lamp']"})
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert ids_of(response.json()) == ["urn:spec:search:1"]
    titles = fetch(
        http, "/search/jsonpath?" + "query=" + quote("$[?@.id=='urn:spec:search:2'].title")
    )
    assert titles == ["Thing One"]
    problem(http.get("/search/jsonpath", params={"query": "$[?"}), 400)


# -- Security and privacy --------------------------------------------------------------------


def test_sec_tdd_intro_no_observe(http: httpx.Client) -> None:
    """The introduction answers once: a complete response, never a stream to observe."""
    response = http.get("/.well-known/wot", headers=IDENTITY)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    problem(http.get("/.well-known/wot", headers={"Accept": "text/event-stream"}), 406)


def test_priv_loc_priv_dir_access(token_server: LiveServer) -> None:
    thing_id = "urn:spec:private:located"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    located = a_td(
        thing_id,
        **{
            "@context": [TD_CONTEXT, {"geo": "http://www.w3.org/2003/01/geo/wgs84_pos#"}],
            "geo:lat": "52.1",
        },
    )
    with httpx.Client(base_url=token_server.url, timeout=10) as http:
        assert put(http, located, {**TD_JSON, **bearer}).status_code == 201
        problem(patch(http, thing_id, {"geo:lat": "0.0"}), 401)
        problem(put(http, {**located, "geo:lat": "0.0"}), 401)
        problem(http.delete(thing_path(thing_id)), 401)
        problem(http.get(thing_path(thing_id)), 404)  # private by default
        access = {"visibility": "public", "hiddenFields": ["geo:lat"]}
        assert http.put(thing_path(thing_id) + "/access", json=access, headers=bearer).is_success
        assert "geo:lat" not in fetch_td(http, thing_id)  # anonymous: public, location hidden
        owner = http.get(thing_path(thing_id), headers=bearer).json()
        assert owner["geo:lat"] == "52.1"


# -- The catalogue itself --------------------------------------------------------------------


def test_every_assertion_is_tested_or_explained(request: pytest.FixtureRequest) -> None:
    ids = load_assertion_ids()
    assert len(ids) == len(set(ids))
    tests = set(_module_tests(request.module)) - META_TESTS
    tested = {assertion_id for assertion_id in ids if function_for(assertion_id) in tests}
    assert tests == {function_for(assertion_id) for assertion_id in tested}, "tests for no id"
    untested = set(ids) - tested
    assert untested == NOT_IMPLEMENTED.keys(), "every id needs a test or a reason, not both"
    assert all(reason.strip() for reason in NOT_IMPLEMENTED.values())
    assert NOTES.keys() <= tested


def test_report_rows_follow_the_catalogue() -> None:
    ids = ["tdd-things-retrieve", "tdd-search-sparql", "tdd-things-delete"]
    outcomes = {"test_tdd_things_retrieve": "passed", "test_tdd_things_delete": "failed"}
    assert report_rows(ids, outcomes) == [
        ("tdd-things-retrieve", "pass", ""),
        ("tdd-search-sparql", "not-impl", NOT_IMPLEMENTED["tdd-search-sparql"]),
        ("tdd-things-delete", "fail", "test_tdd_things_delete failed"),
    ]
    assert render_report(report_rows(ids[:1], outcomes)) == (
        '"ID","Status","Comment"\n"tdd-things-retrieve","pass",""\n'
    )
