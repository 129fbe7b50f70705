"""Property tests of the parsers that read untrusted input: each either answers or raises its
documented error, never anything else, and never takes long on any input Hypothesis finds."""

from __future__ import annotations

import base64
import copy
import time
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from thingreg.core.auth import jose, keys
from thingreg.core.errors import InvalidQuery
from thingreg.core.ids.analysis import MAX_LENGTH, analyse
from thingreg.core.ids.base import InvalidIdentifier
from thingreg.core.search.jsonpath import plan_jsonpath
from thingreg.core.td.merge_patch import apply_merge_patch, create_merge_patch
from thingreg.core.td.validation import validate_td

FAST = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
SLOW_INPUT = 1.0
"""Seconds one parser call may take on any generated input (generous for a loaded CI box)."""

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=25,
)
TD_KEYS = [
    "@context", "id", "title", "titles", "description", "@type", "security",
    "securityDefinitions", "properties", "actions", "events", "forms", "links", "version",
    "created", "modified", "support", "base", "schemaDefinitions", "registration", "profile",
]  # fmt: skip
td_like = st.dictionaries(st.sampled_from(TD_KEYS) | st.text(max_size=8), json_values, max_size=8)


def _timed(call: Any, *args: Any) -> Any:
    start = time.perf_counter()
    try:
        return call(*args)
    finally:
        assert time.perf_counter() - start < SLOW_INPUT, f"{call.__name__} took too long"


# --- TD validation -----------------------------------------------------------------------------


@FAST
@given(json_values | td_like)
def test_validation_reports_never_raises(value: object) -> None:
    errors = _timed(validate_td, value)
    assert isinstance(errors, list)
    assert all(error.field and error.description for error in errors)


def test_validation_of_a_deeply_nested_td_is_bounded() -> None:
    deep: Any = {}
    for _ in range(900):
        deep = {"type": "object", "properties": {"p": deep}}
    td = {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        "title": "deep",
        "securityDefinitions": {"n": {"scheme": "nosec"}},
        "security": "n",
        "properties": {"p": deep},
    }
    assert isinstance(_timed(validate_td, td), list)


# --- merge patch (RFC 7396) --------------------------------------------------------------------

no_nulls = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=20,
)
"""Documents without ``null`` members: a merge patch cannot express a null value."""


@FAST
@given(no_nulls, no_nulls)
def test_a_diff_applied_gives_the_target(before: Any, after: Any) -> None:
    assert apply_merge_patch(before, create_merge_patch(before, after)) == after


@FAST
@given(no_nulls, json_values)
def test_applying_a_patch_twice_changes_nothing_more(target: Any, patch: Any) -> None:
    once = apply_merge_patch(target, patch)
    assert apply_merge_patch(once, patch) == once


@FAST
@given(no_nulls)
def test_the_diff_of_a_document_with_itself_is_empty(document: Any) -> None:
    patch = create_merge_patch(document, document)
    assert patch == ({} if isinstance(document, dict) else document)


@FAST
@given(no_nulls, json_values)
def test_a_patch_leaves_its_inputs_unchanged_and_keeps_no_nulls(target: Any, patch: Any) -> None:
    target_copy, patch_copy = copy.deepcopy(target), copy.deepcopy(patch)
    result = apply_merge_patch(target, patch)
    assert target == target_copy and patch == patch_copy
    if isinstance(patch, dict):
        assert isinstance(result, dict)
        assert all(key not in result for key, value in patch.items() if value is None)


# --- JSONPath ---------------------------------------------------------------------------------

JSONPATH_ALPHABET = "$@.[]()?*,:'\"=!<>&|-0123456789 abtitlenmatchsearchlength_\\"
jsonpath_like = st.text(alphabet=JSONPATH_ALPHABET, max_size=60) | st.text(max_size=40)


@FAST
@given(jsonpath_like)
@example("$" + "[?(" * 400 + "@" + ")]" * 400)
@example("$" + "..*" * 600)
@example("$[?" + "!" * 1500 + "@]")
def test_any_query_string_plans_or_is_an_invalid_query(query: str) -> None:
    try:
        plan = _timed(plan_jsonpath, query)
    except InvalidQuery as error:
        assert error.status == 400 and "\n" not in error.detail
    else:
        assert plan.query == query


# --- identifiers --------------------------------------------------------------------------------

IDENTIFIER_PREFIXES = [
    "urn:uuid:", "urn:oid:", "urn:dev:mac:", "urn:dev:ow:", "urn:dev:org:", "urn:epc:id:sgtin:",
    "urn:imei:", "urn:gsma:imei:", "urn:3gpp2:meid:", "tel:", "+", "did:key:z", "did:web:",
    "did:", "https://id.gs1.org/01/", "http://", "(01)", "\x1d01", "mac:", "eui64:", "oid:",
    "urn:", "", "tag:",
]  # fmt: skip
identifier_like = st.builds(
    str.__add__,
    st.sampled_from(IDENTIFIER_PREFIXES),
    st.text(alphabet="0123456789abcdefABCDEF:-./()%+~_ zZ", max_size=40) | st.text(max_size=30),
)


@FAST
@given(identifier_like)
@example("urn:dev:mac:" + "0" * 2000)
@example("did:key:z" + "1" * 2000)
@example("(01)" * 500)
def test_analyse_reads_or_refuses_and_canonical_forms_are_fixed_points(text: str) -> None:
    try:
        analysis = _timed(analyse, text)
    except InvalidIdentifier as error:
        assert error.detail
        return
    assert analysis.readings
    for reading in analysis.readings:
        assert len(reading.canonical) <= 4 * MAX_LENGTH
        again = _timed(analyse, reading.canonical)
        assert reading.canonical in {r.canonical for r in again.readings}, (text, reading)


# --- keys, certificates, tokens ------------------------------------------------------------------

pem_like = st.builds(
    lambda kind, body: f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n",
    st.sampled_from(["PUBLIC KEY", "CERTIFICATE", "EC PRIVATE KEY"]),
    st.binary(max_size=120).map(lambda raw: base64.b64encode(raw).decode()) | st.text(max_size=60),
)
jwk_like = st.fixed_dictionaries(
    {"kty": st.sampled_from(["OKP", "EC", "RSA", "oct", ""]) | st.text(max_size=4)},
    optional={
        "crv": st.sampled_from(["Ed25519", "P-256", "P-384", "X25519"]),
        "x": st.binary(max_size=40).map(jose.b64url) | st.text(max_size=10) | st.integers(),
        "y": st.binary(max_size=40).map(jose.b64url),
        "d": st.binary(max_size=32).map(jose.b64url),
    },
)
did_key_like = st.builds(
    str.__add__,
    st.sampled_from(["did:key:z", "did:key:", "did:key:zDn", "did:key:z6Mk"]),
    st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0Il", max_size=60),
)


@FAST
@given(pem_like | jwk_like | did_key_like | json_values)
def test_read_key_takes_a_key_or_raises_value_error(value: object) -> None:
    try:
        material = _timed(keys.read_key, value)
    except ValueError as error:
        assert str(error)
    else:
        assert material.alg in jose.ALGORITHMS


@FAST
@given(pem_like | json_values)
def test_read_certificate_takes_a_certificate_or_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        _timed(keys.read_certificate, value)


@FAST
@given(
    st.lists(st.binary(max_size=60).map(lambda raw: base64.b64encode(raw).decode()), max_size=6)
    | json_values
)
def test_x5c_parsing_raises_value_error_only(x5c: object) -> None:
    with pytest.raises(ValueError):
        _timed(keys.chain_of_x5c, x5c)


def _segment(value: object) -> str:
    return jose.b64url(orjson.dumps(value))


headers = st.fixed_dictionaries(
    {
        "alg": st.sampled_from(["none", "None", "HS256", "RS256", "EdDSA", "ES256", ""])
        | json_values
    },
    optional={"typ": st.text(max_size=5), "kid": json_values, "crit": json_values, "jwk": jwk_like},
)
compact_like = (
    st.builds(
        lambda h, c, s: f"{h}.{c}.{s}",
        headers.map(_segment) | st.text(max_size=20),
        st.dictionaries(st.text(max_size=5), json_values, max_size=3).map(_segment)
        | st.text(max_size=20),
        st.binary(max_size=70).map(jose.b64url) | st.text(max_size=10),
    )
    | st.text(alphabet="abcXYZ019-_.=+/ ", max_size=80)
    | st.text(max_size=40)
)


@FAST
@given(compact_like)
@example("eyJhbGciOiJub25lIn0.e30.")  # {"alg":"none"}.{}.
@example("." * 5000)
def test_parsing_any_compact_string_answers_or_raises_invalid_jws(token: str) -> None:
    try:
        jws = _timed(jose.parse, token)
    except jose.InvalidJWS as error:
        assert str(error)
    else:
        assert jws.alg in jose.ALGORITHMS


ED_KEY = ed25519.Ed25519PrivateKey.generate()
EC_KEY = ec.generate_private_key(ec.SECP256R1())


@FAST
@given(
    st.sampled_from(["EdDSA", "ES256"]), st.sampled_from(["EdDSA", "ES256"]), st.binary(max_size=80)
)
def test_signatures_verify_only_with_the_right_key_and_algorithm(
    signed_with: str, claimed: str, garbage: bytes
) -> None:
    private = ED_KEY if signed_with == "EdDSA" else EC_KEY
    token = jose.sign({"alg": signed_with}, {"sub": "x"}, private)
    jws = jose.parse(token)
    for public, alg in ((ED_KEY.public_key(), "EdDSA"), (EC_KEY.public_key(), "ES256")):
        assert jose.verify(jws, public, claimed) is (alg == claimed == signed_with)
        forged = jose.CompactJWS(jws.header, jws.claims, jws.signing_input, garbage)
        assert jose.verify(forged, public, claimed) is False or garbage == jws.signature


def test_alg_none_is_refused_even_with_an_empty_signature() -> None:
    for alg in ("none", "None", "NONE", "HS256"):
        token = f"{_segment({'alg': alg})}.{_segment({'sub': 'x'})}."
        with pytest.raises(jose.InvalidJWS):
            jose.parse(token)
