"""The hand-written validator agrees with the official TD 1.1 JSON Schema, run by ``jsonschema``.

The schemas are read at test time from the project's shared reference folder, never copied.
The oracle is ``Draft7Validator`` over the TD schema and the WoT Discovery extension schema
(a TD is valid when both accept it), with a format checker for the two formats they use:

* ``date-time``: ``jsonschema``'s own check (``rfc3339-validator``), which requires an offset.
* ``uri``: ``jsonschema`` checks it only when an optional package is installed and otherwise
  lets any string through, which would make ``"id": "not a uri"`` valid. So the oracle uses the
  RFC 3986 ``URI`` rule, transcribed below from the RFC's Appendix A ABNF, rule by rule; the
  validator implements the same rule independently (``thingreg.core.td.formats``).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thingreg.core.td import formats
from thingreg.core.td.validation import validate_td

jsonschema = pytest.importorskip("jsonschema")

SPEC = Path(__file__).resolve().parents[3].parent / "shared" / "spec"
TD_SCHEMA = SPEC / "td-1.1-json-schema.json"
DISCOVERY_SCHEMA = SPEC / "td-discovery-extensions-json-schema.json"

if not (TD_SCHEMA.is_file() and DISCOVERY_SCHEMA.is_file()):
    pytest.skip(f"the TD JSON Schemas are not in {SPEC}", allow_module_level=True)


def _rfc3986_uri() -> re.Pattern[str]:
    """RFC 3986 Appendix A, ``URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]``."""
    hexdig = "[0-9A-Fa-f]"
    unreserved = r"[A-Za-z0-9\-._~]"
    pct_encoded = f"%{hexdig}{hexdig}"
    sub_delims = r"[!$&'()*+,;=]"
    pchar = f"(?:{unreserved}|{pct_encoded}|{sub_delims}|[:@])"
    segment = f"{pchar}*"
    segment_nz = f"{pchar}+"
    path_abempty = f"(?:/{segment})*"
    path_absolute = f"/(?:{segment_nz}(?:/{segment})*)?"
    path_rootless = f"{segment_nz}(?:/{segment})*"
    dec_octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
    ipv4address = rf"{dec_octet}\.{dec_octet}\.{dec_octet}\.{dec_octet}"
    h16 = f"{hexdig}{{1,4}}"
    ls32 = f"(?:{h16}:{h16}|{ipv4address})"
    ipv6address = "|".join(
        (
            f"(?:{h16}:){{6}}{ls32}",
            f"::(?:{h16}:){{5}}{ls32}",
            f"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
            f"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
            f"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
            f"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
            f"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}",
            f"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
            f"(?:(?:{h16}:){{0,6}}{h16})?::",
        )
    )
    ipvfuture = rf"[vV]{hexdig}+\.(?:{unreserved}|{sub_delims}|:)+"
    ip_literal = rf"\[(?:{ipv6address}|{ipvfuture})\]"
    reg_name = f"(?:{unreserved}|{pct_encoded}|{sub_delims})*"
    host = f"(?:{ip_literal}|{ipv4address}|{reg_name})"
    userinfo = f"(?:{unreserved}|{pct_encoded}|{sub_delims}|:)*"
    authority = f"(?:{userinfo}@)?{host}(?::[0-9]*)?"
    hier_part = f"(?://{authority}{path_abempty}|{path_absolute}|{path_rootless}|)"
    query = f"(?:{pchar}|[/?])*"
    scheme = r"[A-Za-z][A-Za-z0-9+\-.]*"
    return re.compile(rf"{scheme}:{hier_part}(?:\?{query})?(?:#{query})?")


_URI = _rfc3986_uri()


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def td_schema() -> dict[str, Any]:
    return _load(TD_SCHEMA)


def _oracle() -> Any:
    checker = jsonschema.FormatChecker()
    assert "date-time" in checker.checkers, "rfc3339-validator is needed to check date-time"

    checker.checks("uri")(_is_uri)
    td_schema = _load(TD_SCHEMA)
    discovery_schema = _load(DISCOVERY_SCHEMA)
    jsonschema.Draft7Validator.check_schema(td_schema)
    validators = [
        jsonschema.Draft7Validator(td_schema, format_checker=checker),
        jsonschema.Draft7Validator(discovery_schema, format_checker=checker),
    ]
    return validators


@pytest.fixture(scope="module")
def oracle() -> Any:
    return _oracle()


def _schema_errors(validators: Any, td: object) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:200]}"
        for validator in validators
        for error in validator.iter_errors(td)
    ]


def _check_agreement(validators: Any, name: str, td: object) -> bool:
    schema_errors = _schema_errors(validators, td)
    ours = validate_td(td)
    assert bool(ours) == bool(schema_errors), (
        f"TD {name!r}: the schema says {'invalid' if schema_errors else 'valid'}"
        f" ({schema_errors}), thingreg says {'invalid' if ours else 'valid'} ({ours})"
        f"\n{json.dumps(td, ensure_ascii=False)[:2000]}"
    )
    return not schema_errors


def test_agrees_with_the_schema(oracle: Any, corpus_case: tuple[str, Any, bool | None]) -> None:
    name, td, expected = corpus_case
    valid = _check_agreement(oracle, name, td)
    if expected is not None:
        assert valid == expected, f"the corpus labels {name!r} wrongly: the schema says {valid}"


def test_corpus_is_large_and_mixed(corpus: ModuleType) -> None:
    cases = corpus.all_cases()
    labelled = [case for case in cases if case[2] is not None]
    assert len(cases) >= 150
    assert sum(1 for case in labelled if case[2]) >= 40
    assert sum(1 for case in labelled if not case[2]) >= 100


def test_the_directory_thing_model_is_not_a_td(oracle: Any) -> None:
    """A Thing Model (``@type`` has ``tm:ThingModel``) is refused, by both, as a TD."""
    model_file = SPEC / "directory.tm.json"
    if not model_file.is_file():
        pytest.skip("no directory.tm.json")
    model = json.loads(model_file.read_text(encoding="utf-8"))
    assert not _check_agreement(oracle, "directory.tm.json", model)


# The string formats, each compared with the oracle's own check (the format checker, or the
# schema's pattern) on strings built from the pieces that matter to its grammar.
def _pieces(words: str, *more: str) -> st.SearchStrategy[str]:
    """Strings made of up to 12 of the space-separated ``words`` and the ``more`` pieces."""
    return st.lists(st.sampled_from((*words.split(), *more)), max_size=12).map("".join)


_URI_PIECES = _pieces(
    "http:// urn: a Z 0 9 : :: / // ? # @ [ ] %41 %g - . ~ ! ' é ffff 12345 1.2.3.4 255 256 01"
    " v1. V",
    " ",
    "\n",
)
_DATE_PIECES = _pieces(
    "2021 0000 1900 2000 - 01 02 12 13 29 30 31 T t : 00 23 24 59 60 . 5 Z z + 05:30 ٣", " ", "\n"
)
_TAG_PIECES = _pieces(
    "en GB - x X i klingon zh-min-nan sgn-BE-FR Latn 419 1994 a abcdefghi 0 _ :", "\n"
)


@pytest.fixture(scope="module")
def patterns(td_schema: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """The schema's own ``pattern`` keywords, as ``jsonschema`` applies them (``re.search``)."""
    definitions = td_schema["definitions"]
    return {
        "bcp47": re.compile(definitions["bcp47_string"]["pattern"]),
        "scheme": re.compile(
            definitions["additionalSecurityScheme"]["properties"]["scheme"]["pattern"]
        ),
        "sizes": re.compile(
            definitions["icon_link_element"]["allOf"][1]["properties"]["sizes"]["pattern"]
        ),
    }


@settings(max_examples=1000, deadline=None)
@given(uri=_URI_PIECES, stamp=_DATE_PIECES, tag=_TAG_PIECES)
def test_formats_agree_with_the_oracle(
    patterns: dict[str, re.Pattern[str]], uri: str, stamp: str, tag: str
) -> None:
    assert formats.is_uri(uri) == (_URI.fullmatch(uri) is not None), uri
    assert formats.is_date_time(stamp) == _DATE_TIME_CHECKER.conforms(stamp, "date-time"), stamp
    assert formats.is_language_tag(tag) == bool(patterns["bcp47"].search(tag)), tag
    assert formats.is_prefixed_name(tag) == bool(patterns["scheme"].search(tag)), tag
    assert formats.is_icon_sizes(stamp) == bool(patterns["sizes"].search(stamp)), stamp


_DATE_TIME_CHECKER = jsonschema.FormatChecker(formats=["date-time"])


# Random mutations of the corpus's valid TDs: a member set to a value drawn from the TD
# vocabulary (so that it is often almost right), several at a time.
_WORDS = (
    "readproperty",
    "writeproperty",
    "observeproperty",
    "invokeaction",
    "subscribeevent",
    "readallproperties",
    "queryallactions",
    "nosec",
    "auto",
    "combo",
    "basic",
    "digest",
    "apikey",
    "bearer",
    "psk",
    "oauth2",
    "ace:x",
    ":x",
    "header",
    "uri",
    "cookie",
    "auth-int",
    "boolean",
    "integer",
    "number",
    "string",
    "object",
    "array",
    "null",
    "float",
    "https://www.w3.org/2022/wot/td/v1.1",
    "https://www.w3.org/2019/wot/td/v1",
    "https://www.w3.org/2022/wot/discovery",
    "tm:ThingModel",
    "icon",
    "tm:extends",
    "16x16",
    "en-GB",
    "x-klingon",
    "i-klingon",
    "en_GB",
    "2021-01-19T17:02:00Z",
    "2021-02-29T00:00:00Z",
    "2021-01-19T17:02:00",
    "2021-01-19t17:02:00+01:00",
    "urn:uuid:48951ff3-4019-4e67-b217",
    "http://[::1]:80/a?b#c",
    "http://[::1:]/",
    "a b",
    "",
    "x",
)
_KEYS = (
    "type",
    "forms",
    "href",
    "op",
    "scheme",
    "in",
    "name",
    "items",
    "properties",
    "enum",
    "required",
    "oneOf",
    "allOf",
    "minimum",
    "maxItems",
    "multipleOf",
    "readOnly",
    "sizes",
    "rel",
    "hreflang",
    "@type",
    "@context",
    "id",
    "created",
    "ttl",
    "registration",
    "qop",
    "flow",
    "scopes",
    "security",
    "response",
    "contentType",
    "input",
    "data",
    "instance",
    "titles",
    "const",
    "contentEncoding",
    "observable",
    "uriVariables",
)
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=3),
    st.sampled_from((0.5, 1.0, -0.0, 1e300)),
    st.sampled_from(_WORDS),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*path, key))
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*path, index))
            found.extend(_paths(item, (*path, index)))
    return found


@pytest.fixture(scope="module")
def valid_tds(corpus: ModuleType) -> list[dict[str, Any]]:
    return list(corpus.valid_tds().values())


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_agrees_on_random_mutations(
    oracle: Any, valid_tds: list[dict[str, Any]], data: st.DataObject
) -> None:
    td = copy.deepcopy(data.draw(st.sampled_from(valid_tds), label="base"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        objects = [()] + [p for p in _paths(td) if isinstance(_at(td, p), dict)]
        targets = _paths(td) + [(*p, k) for p in objects for k in ("op", "type", "scheme")]
        path = data.draw(st.sampled_from(targets), label="path")
        parent = _at(td, path[:-1])
        if isinstance(parent, dict | list):
            parent[path[-1]] = data.draw(_VALUES, label="value")
    _check_agreement(oracle, "random mutation", td)


def _at(td: Any, path: tuple[Any, ...]) -> Any:
    node = td
    for step in path:
        node = node[step]
    return node
