"""UUIDs against RFC 9562's test vectors, OIDs against RFC 3061's examples and the arc rules."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thingreg.core.ids import uuid_oid
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier

# RFC 9562 Appendix A and B: (vector, version, time the vector encodes or None).
RFC9562_VECTORS = [
    ("C232AB00-9414-11EC-B3C8-9F6BDECED846", "1", "2022-02-22T19:22:22.000000Z"),
    ("5df41881-3aed-3515-88a7-2f4a814cf09e", "3", None),
    ("919108f7-52d1-4320-9bac-f847db4148a8", "4", None),
    ("2ed6657d-e927-568b-95e1-2665a8aea6a2", "5", None),
    ("1EC9414C-232A-6B00-B3C8-9F6BDECED846", "6", "2022-02-22T19:22:22.000000Z"),
    ("017F22E2-79B0-7CC3-98C4-DC0C0C07398F", "7", "2022-02-22T19:22:22.000Z"),
    ("2489E9AD-2EE2-8E00-8EC9-32D5F69181C0", "8", None),
    ("5c146b14-3c52-8afd-938a-375d0df1fbf6", "8", None),
]


@pytest.mark.parametrize(("vector", "version", "time"), RFC9562_VECTORS)
def test_rfc9562_vectors(vector: str, version: str, time: str | None) -> None:
    (reading,) = uuid_oid.read(vector)
    assert reading.scheme == "uuid"
    assert reading.canonical == "urn:uuid:" + vector.lower()
    assert reading.details["variant"] == "rfc9562"
    assert reading.details["version"] == version
    assert reading.details.get("time") == time


def test_name_based_vectors_are_what_python_computes() -> None:
    """The v3 and v5 vectors are www.example.com in the DNS namespace (RFC 9562 A.2, A.4)."""
    assert str(uuid.uuid3(uuid.NAMESPACE_DNS, "www.example.com")) == RFC9562_VECTORS[1][0]
    assert str(uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")) == RFC9562_VECTORS[3][0]


def test_a_v7_clock_past_year_9999_gives_no_time() -> None:
    (reading,) = uuid_oid.read("ffffffff-ffff-7fff-bfff-ffffffffffff")
    assert reading.details == {"variant": "rfc9562", "version": "7"}


def test_rfc4122_example_carries_its_creation_time() -> None:
    (reading,) = uuid_oid.read("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert reading.notation == "urn"
    assert reading.rank == 100
    assert reading.details["time"] == "1997-02-03T17:43:12.216875Z"


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ("00000000-0000-0000-0000-000000000000", "nil"),
        ("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "max"),
        ("00000000-0000-0000-7000-000000000000", "ncs"),
        ("00000000-0000-0000-c000-000000000000", "microsoft"),
        ("00000000-0000-0000-e000-000000000000", "reserved"),
    ],
)
def test_other_variants(text: str, variant: str) -> None:
    (reading,) = uuid_oid.read(text)
    assert reading.details == {"variant": variant}


@pytest.mark.parametrize(
    ("text", "notation", "rank"),
    [
        ("urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8", "urn", 100),
        ("URN:UUID:919108F7-52D1-4320-9BAC-F847DB4148A8", "urn", 100),
        ("{919108F7-52D1-4320-9BAC-F847DB4148A8}", "braced", 90),
        ("919108f7-52d1-4320-9bac-f847db4148a8", "hyphenated", 90),
    ],
)
def test_uuid_notations(text: str, notation: str, rank: int) -> None:
    (reading,) = uuid_oid.read(text)
    assert reading.canonical == "urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8"
    assert (reading.notation, reading.rank) == (notation, rank)


@pytest.mark.parametrize(
    "text",
    [
        "urn:uuid:919108f7-52d1-4320-9bac-f847db4148a",  # 31 digits
        "urn:uuid:919108f752d143209bacf847db4148a8",  # no hyphens
        "urn:uuid:919108g7-52d1-4320-9bac-f847db4148a8",  # g
        "urn:uuid:",
        "919108g7-52d1-4320-9bac-f847db4148a8",  # the UUID shape, a g in it
        "{919108f7-52d1-4320-9bac-f847db4148a}",
    ],
)
def test_invalid_uuids_say_why(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="needs 32 hex digits grouped 8-4-4-4-12") as info:
        uuid_oid.read(text)
    assert info.value.scheme == "uuid"
    assert "\n" not in info.value.detail


@pytest.mark.parametrize(
    "text", ["919108f752d143209bacf847db4148a8", "919108f7-52d1-4320-9bac", "hello", "1.2", ""]
)
def test_what_is_not_a_uuid_or_oid(text: str) -> None:
    assert uuid_oid.read(text) == []


@given(st.uuids())
def test_uuid_notations_round_trip(value: uuid.UUID) -> None:
    expected = f"urn:uuid:{value}"
    for text in (str(value), str(value).upper(), "{" + str(value) + "}", expected.upper()):
        assert analyse(text).readings[0].canonical == expected
    assert analyse(expected).readings[0].canonical == expected


# --- OIDs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "oid", ["1.3.6.1", "1.3.6.1.4.1", "1.3.6.1.2.1.27", "0.9.2342.19200300.100.4"]
)
def test_rfc3061_examples(oid: str) -> None:
    (reading,) = uuid_oid.read("urn:oid:" + oid)
    assert (reading.scheme, reading.canonical, reading.rank) == ("oid", "urn:oid:" + oid, 100)


@pytest.mark.parametrize(
    ("text", "canonical", "notation", "rank"),
    [
        ("urn:oid:1.3.6.1.4.1.343", "urn:oid:1.3.6.1.4.1.343", "urn", 100),
        ("URN:OID:2.999", "urn:oid:2.999", "urn", 100),
        ("urn:oid:2", "urn:oid:2", "urn", 100),  # RFC 3061's ABNF allows one arc
        ("oid:1.2.840.113549", "urn:oid:1.2.840.113549", "oid-prefix", 95),
        ("1.2.840.113549.1.1.11", "urn:oid:1.2.840.113549.1.1.11", "dotted", 20),
        ("urn:oid:1.3.06.001", "urn:oid:1.3.6.1", "urn", 100),  # leading zeros dropped
        ("urn:oid:00.0", "urn:oid:0.0", "urn", 100),
    ],
)
def test_oid_notations(text: str, canonical: str, notation: str, rank: int) -> None:
    (reading,) = uuid_oid.read(text)
    assert (reading.canonical, reading.notation, reading.rank) == (canonical, notation, rank)


def test_oid_details_name_the_root_and_the_enterprise_number() -> None:
    (reading,) = uuid_oid.read("urn:oid:1.3.6.1.4.1.343.2.7")
    assert reading.details == {"root": "iso", "arcs": "9", "pen": "343"}
    (reading,) = uuid_oid.read("urn:oid:2.25.329800735698586629295641978511506172918")
    assert reading.details["uuid"] == "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("urn:oid:3.1", "the first arc must be 0, 1 or 2, not 3"),
        ("urn:oid:1.40", "under 1 the second arc must be at most 39, not 40"),
        ("urn:oid:0.040.1", "under 0 the second arc must be at most 39, not 40"),
        ("urn:oid:1..3", "it has an empty arc"),
        ("urn:oid:1.3.", "it has an empty arc"),
        ("urn:oid:", "it has an empty arc"),
        ("oid:1.3.x", "arc 'x' is not a number"),
        ("urn:oid:1.3.\uff16", "arc '\uff16' is not a number"),  # a full-width 6
    ],
)
def test_invalid_oids_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        uuid_oid.read(text)
    assert info.value.detail == f"{text!r} is not an OID: {reason}"
    assert info.value.scheme == "oid"


def test_second_arc_is_free_under_joint_iso_itu_t() -> None:
    assert uuid_oid.read("urn:oid:2.100.3")[0].canonical == "urn:oid:2.100.3"


@pytest.mark.parametrize("text", ["192.168.1.1", "3.1.4", "1.40.2", "1.2", "01.2.x"])
def test_bare_dotted_strings_that_break_the_rules_are_not_oids(text: str) -> None:
    assert uuid_oid.read(text) == []


arcs = st.tuples(
    st.integers(0, 2), st.integers(0, 39), st.lists(st.integers(0, 10**40), max_size=8)
)


@given(arcs, st.integers(0, 3))
def test_oid_notations_round_trip(oid: tuple[int, int, list[int]], zeros: int) -> None:
    numbers = [oid[0], oid[1], *oid[2]]
    expected = "urn:oid:" + ".".join(map(str, numbers))
    padded = ".".join("0" * zeros + str(number) for number in numbers)
    texts = [expected, "urn:oid:" + padded, "oid:" + padded]
    if len(numbers) >= 3:
        texts.append(".".join(map(str, numbers)))
    for text in texts:
        assert expected in [r.canonical for r in analyse(text).readings]
    assert analyse(expected).readings[0].canonical == expected


def test_examples() -> None:
    for text, expected in uuid_oid.EXAMPLES:
        assert uuid_oid.read(text)[0].canonical == expected
        assert analyse(text).readings[0].canonical == expected
