"""GS1 element strings: human-readable ``(AI)value``, scanner strings, several keys, errors."""

from __future__ import annotations

import pytest
from biip.gs1_messages import GS1Message

from thingreg.core.ids.base import InvalidIdentifier
from thingreg.core.ids.gs1 import read
from thingreg.core.ids.gs1_element_string import _split_raw

SGTIN = "urn:epc:id:sgtin:0614141.812345.6789"
SSCC = "urn:epc:id:sscc:0614141.1234567890"


def invalid(text: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "(01)80614141123458(21)6789",
        "(21)6789(01)80614141123458",  # any order
        "(01) 80614141123458 (21) 6789",  # printed with spaces
        "(01)80614141123458(17)261231(10)LOT-1(21)6789",  # lot and expiry ignored
        "]d20180614141123458216789",  # GS1 DataMatrix, symbology identifier
        "]C10180614141123458216789",  # GS1-128
        "]Q301806141411234581726123110LOT-1\x1d216789",
        "\x1d0180614141123458216789",  # FNC1 transmitted as GS
        "01806141411234581726123110LOT-1\x1d216789",
    ],
)
def test_same_sgtin_in_every_element_string_form(text: str) -> None:
    (reading,) = read(text)
    assert reading.canonical == SGTIN
    assert reading.notation == "element-string"
    assert reading.rank == 100


def test_trailing_separator_is_tolerated() -> None:
    assert read("]d20180614141123458216789\x1d")[0].canonical == SGTIN


def test_unmarked_scanner_string_is_a_guess() -> None:
    (reading,) = read("0180614141123458216789")
    assert reading.canonical == SGTIN
    assert reading.rank == 30  # digits only: could be something else
    (reading,) = read("010950600013435221ABC123")
    assert reading.rank == 80
    assert read("0180614141123459216789") == []  # bad check digit: not ours to reject


def test_sscc_label_with_contents() -> None:
    (reading,) = read("(00)106141412345678908(02)00614141123452(37)25(10)ABC123")
    assert reading.canonical == SSCC
    assert "lot" not in reading.details  # the lot belongs to the contents, not the SSCC


@pytest.mark.parametrize(
    "text",
    [
        "(01) 234 5678",  # a Dublin phone number
        "(415) 555-0100",  # 415 is an AI too (pay-to GLN), but not with this value
        "(0123) 456789",
        "(17)261231(10)ABC",  # GS1, but no key: identifies nothing
        "(02)00614141123452(37)25",
        "(01)",
        "()80614141123458",
        "(1)80614141123458",
        "(see above)",
    ],
)
def test_parentheses_without_a_key_shaped_value_are_not_gs1(text: str) -> None:
    assert read(text) == []


def test_several_keys_give_several_readings_in_order() -> None:
    readings = read("(414)0614141123452(254)400(01)80614141123458(21)6789")
    assert [r.canonical for r in readings] == ["urn:epc:id:sgln:0614141.12345.400", SGTIN]


def test_gtin_with_lot_is_a_batch() -> None:
    (reading,) = read("(01)09506000134352(10)ABC1(17)261231")
    assert reading.canonical == "https://id.gs1.org/01/09506000134352/10/ABC1"
    assert reading.object_level is False
    assert reading.details["lot"] == "ABC1"


def test_serial_makes_lot_redundant_but_details_keep_it() -> None:
    (reading,) = read("(01)80614141123458(10)LOT(21)6789")
    assert reading.canonical == SGTIN
    assert reading.details["lot"] == "LOT"
    assert reading.details["digital_link"] == "https://id.gs1.org/01/80614141123458/21/6789"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("(01)80614141123459(21)6789", "GTIN check digit is 9, expected 8"),
        ("(01)8061414112345(21)6789", "GTIN must be 14 digits"),
        ("(00)10614141234567890", "SSCC must be 18 digits"),
        ("(01)80614141123458(21)67 89", "serial contains ' '"),
        ("(01)80614141123458(21)" + "1" * 21, "at most 20"),
        ("(01)80614141123458(21)1(21)2", "AI (21) appears twice"),
        ("(01)80614141123458(17)261340", "(17) value '261340' breaks its format"),
        ("(01)80614141123458(9999)X", "(9999) is not a GS1 application identifier"),
        ("(01)0614141123452", "GTIN must be 14 digits"),
        ("]d20180614141123459216789", "GTIN check digit is 9, expected 8"),
        ("]d2991234\x1dXYZ", "no GS1 application identifier at 'XYZ'"),
        ("]d2018061414112345821\x1d10ABC", "serial is empty"),
        ("]d2018061414112345", "GTIN must be 14 digits"),
        ("]d2", "holds no key read here"),
    ],
)
def test_invalid(text: str, detail: str) -> None:
    assert detail in invalid(text).detail


@pytest.mark.parametrize(
    "raw",
    [
        "0180614141123458216789",
        "01095060001343521726123110ABC123\x1d21XYZ",
        "0010614141234567890802006141411234523725\x1d10ABC",
        "414061414112345225440\x1d70401ABC",
        "8003006141411234524\x1d8004061414132a/b\x1d8018061414112345678902\x1d8019123",
        "2530614141123452006847\x1d31030001951526123111250101",
        "0180614141123458\x1d17261231",  # a needless GS after a fixed-length field
    ],
)
def test_raw_split_agrees_with_biip(raw: str) -> None:
    expected = [(e.ai.ai, e.value) for e in GS1Message.parse(raw).element_strings]
    assert _split_raw(raw) == expected
