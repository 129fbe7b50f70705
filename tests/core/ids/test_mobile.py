"""Mobile identifiers: published vectors, cross-checks with python-stdnum, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import imsi as stdnum_imsi
from stdnum import luhn as stdnum_luhn
from stdnum import meid as stdnum_meid
from stdnum import numdb

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.mobile import BENCH_INPUTS, EXAMPLES, read
from thingreg.core.ids.mobile_numbering import hex_luhn_digit, luhn_digit
from thingreg.core.ids.mobile_readings import SUBSCRIPTION_TAG

TAG = SUBSCRIPTION_TAG


def only(text: str, scheme: str) -> Reading:
    """The single reading of ``text``, which must be of ``scheme``."""
    readings = read(text)
    assert [r.scheme for r in readings] == [scheme], readings
    return readings[0]


def first_canonical(text: str) -> str:
    return read(text)[0].canonical


def invalid(text: str) -> str:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    return caught.value.detail


# --- examples, bench inputs ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "canonical"), EXAMPLES)
def test_example_reads_to_its_canonical_and_back(text: str, canonical: str) -> None:
    assert first_canonical(text) == canonical
    again = read(canonical)[0]
    assert again.canonical == canonical
    assert again.rank == 100


@pytest.mark.parametrize("text", BENCH_INPUTS)
def test_bench_input_is_read(text: str) -> None:
    assert read(text)


# --- IMEI -----------------------------------------------------------------------------------


def test_ts_24229_instance_id_example() -> None:
    # 3GPP TS 24.229 / RFC 7255: urn:gsma:imei:90420156-025763-0, whose Luhn digit is 7
    reading = only("urn:gsma:imei:90420156-025763-0", "imei")
    assert reading.notation == "urn"
    assert reading.details["check_digit"] == "7"
    assert reading.details["imei"] == "904201560257637"
    assert first_canonical("90420156-025763-7") == reading.canonical  # check digit, not spare
    assert first_canonical("URN:GSMA:IMEI:90420156-025763-7;vers=0") == reading.canonical


@pytest.mark.parametrize(
    "text",
    [
        "490154203237518",
        "49-015420-323751-8",
        "49 015420 323751 8",
        "49015420-323751-8",
        "49015420-323751",
        "49015420323751",
        "4901 5420 3237 518",
        "urn:imei:490154203237518",
        "urn:imei:49015420323751",
        "IMEI: 49 015420 323751 8",
        "imei 490154203237518",
        "urn:gsma:imei:49015420-323751-0",
        "urn:gsma:imei:49015420-323751-8",
    ],
)
def test_wikipedia_imei_in_every_notation(text: str) -> None:
    assert first_canonical(text) == "urn:gsma:imei:49015420-323751-0"
    reading = read(text)[0]
    assert reading.scheme == "imei"
    assert reading.object_level
    assert dict(reading.details) == {
        "tac": "49015420",
        "serial": "323751",
        "check_digit": "8",
        "imei": "490154203237518",
        "reporting_body": "49",
    }


def test_stdnum_imei_vectors() -> None:
    assert read("354178036859789")[0].details["check_digit"] == "9"
    assert invalid("35-417803-685978-1") == "IMEI check digit is 1, expected 9"
    assert [r.scheme for r in read("354178036859781")] == ["imsi"]  # bad Luhn: no IMEI
    sv = read("35686800-004141-20")
    assert [(r.scheme, r.canonical) for r in sv] == [
        ("imeisv", "urn:gsma:imei:35686800-004141-0;svn=20"),
        ("imei", "urn:gsma:imei:35686800-004141-0"),
    ]
    assert sv[0].details["svn"] == "20"
    assert sv[0].rank > sv[1].rank


def test_imeisv_notations_agree() -> None:
    canonical = "urn:gsma:imei:35209900-176148-0;svn=23"
    for text in (
        "35-209900-176148-23",
        "3520990017614823",
        "urn:gsma:imei:35209900-176148-0;svn=23",
        "urn:gsma:imei:35209900-176148-1;svn=23",
        "urn:gsma:imei:35209900-176148-0;vers=0;svn=23",
        "urn:imei:3520990017614823",
        "IMEISV 35 209900 176148 23",
    ):
        readings = read(text)
        assert readings[0].canonical == canonical, text
        assert readings[1].canonical == "urn:gsma:imei:35209900-176148-0", text


def test_bare_fifteen_digits_is_imei_then_imsi() -> None:
    # the Wikipedia IMEI also reads as an IMSI of MCC 352 (Grenada)
    readings = read("352099001761481")
    assert [(r.scheme, r.rank) for r in readings] == [("imei", 70), ("imsi", 40)]
    assert readings[1].details["mcc"] == "352"
    assert not readings[1].object_level


def test_bare_fifteen_digits_with_bad_luhn() -> None:
    assert [r.scheme for r in read("310150123456789")] == ["imsi"]
    assert read("490154203237513") == []  # no IMEI (Luhn), no IMSI (MCC 490 unassigned)


def test_bare_fourteen_digits() -> None:
    readings = read("31015012345678")
    assert [(r.scheme, r.rank) for r in readings] == [("imei", 50), ("imsi", 30)]
    assert readings[0].details["check_digit"] == luhn_digit("31015012345678")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "urn:gsma:imei:90420156-025763-3",
            "IMEI check digit is 3, expected 7 (or the spare digit 0)",
        ),
        ("urn:imei:490154203237513", "IMEI check digit is 3, expected 8"),
        ("urn:imei:490154203237510", "IMEI check digit is 0, expected 8"),
        ("49-015420-323751-0", "IMEI check digit is 0, expected 8"),
        ("IMEI: 490154203237513", "IMEI check digit is 3, expected 8"),
        ("urn:imei:4901542032375", "an IMEI has 14 or 15 digits, this one has 13"),
        ("urn:imei:49015420323751x", "an IMEI has only decimal digits"),
    ],
)
def test_invalid_imei_says_why(text: str, detail: str) -> None:
    assert invalid(text) == detail


@pytest.mark.parametrize(
    "text",
    [
        "urn:gsma:imei:9042015-025763-0",
        "urn:gsma:imei:90420156-025763",
        "urn:gsma:imei:90420156-025763-0;svn=9",
        "urn:gsma:imei:90420156-025763-0;svn=99",
        "urn:gsma:imei:90420156-025763-0;vers=1",
        "urn:gsma:imei:90420156-025763-0;svn=42;svn=43",
        "urn:gsma:imei:90420156-025763-0;foo=bar",
        "urn:gsma:imei:90420156-025763-0;svn=",
        "35-209900-176148-99",
        "urn:imei-imsi:490154203237518",
        "urn:imei-imsi:490154203237518-439011234567890",
    ],
)
def test_malformed_explicit_notations_raise(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    assert caught.value.scheme in {"imei", "imeisv", "imsi"}
    assert caught.value.status == 400


# --- LwM2M endpoint names -------------------------------------------------------------------


def test_lwm2m_imei_imsi_gives_both_readings() -> None:
    readings = read("urn:imei-imsi:490154203237518-310150123456789")
    assert [(r.scheme, r.rank, r.object_level) for r in readings] == [
        ("imei", 100, True),
        ("imsi", 90, False),
    ]
    assert readings[1].canonical == TAG + "imsi-310150123456789"
    # Quectel modems write the same name without "urn:"
    assert read("imei-imsi:490154203237518-310150123456789") == readings


def test_lwm2m_imei_msisdn_and_iccid() -> None:
    msisdn = read("urn:imei-msisdn:490154203237518-4915123456789")
    assert [(r.scheme, r.canonical) for r in msisdn] == [
        ("imei", "urn:gsma:imei:49015420-323751-0"),
        ("tel", "tel:+4915123456789"),
    ]
    assert msisdn[1].details["country_code"] == "49"
    assert invalid("urn:imei-msisdn:490154203237518-0015123456") == (
        "MSISDN 0015123456 starts with no E.164 country code"
    )
    iccid = read("urn:imei-iccid:490154203237518-89014103211118510720")
    assert iccid[1].canonical == TAG + "iccid-89014103211118510720"


# --- MEID, ESN ------------------------------------------------------------------------------


def test_stdnum_meid_vectors() -> None:
    reading = only("AF 01 23 45 0A BC DE C", "meid")
    assert reading.canonical == "urn:meid:AF0123450ABCDE"
    assert reading.details["check_digit"] == "C"
    assert reading.details["decimal"] == "293608736500703710"
    assert first_canonical("29360 87365 0070 3710 0") == reading.canonical
    assert read("29360 87365 0070 3710 1") == []
    assert invalid("MEID 29360 87365 0070 3710 1") == "MEID check digit is 1, expected 0"
    assert invalid("urn:meid:AF0123450ABCDE0") == "MEID check digit is 0, expected C"


def test_data_meid_vectors() -> None:
    # Perl Data::MEID: 270113177609606898 is A10000009296F2; its pESN per stdnum: 8075B7ED
    reading = only("270113177609606898", "meid")
    assert reading.canonical == "urn:meid:A10000009296F2"
    assert reading.details["pseudo_esn"] == stdnum_meid.to_pseudo_esn("A10000009296F2")
    assert only("urn:3gpp2:meid:A1000000-9296F2", "meid").canonical == reading.canonical
    assert only("urn:meid:A10000009296F2", "meid").notation == "lwm2m"


def test_decimal_meid_is_an_imei() -> None:
    # regional code 99: an IMEI-compatible MEID of a multimode device
    reading = only("urn:meid:99000462123456", "imei")
    assert reading.canonical == "urn:gsma:imei:99000462-123456-0"
    assert reading.details["meid"] == "99000462123456"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "urn:meid:9F0123450ABCDE",
            "MEID regional code 9F is not A0-FF (a MEID below A0 is a decimal IMEI)",
        ),
        ("urn:meid:AF0123450ABCDG", "a MEID has only hexadecimal digits"),
        (
            "urn:meid:AF0123450ABC",
            "a MEID has 14 hex digits (15 with the check digit), this one has 12",
        ),
        ("urn:3gpp2:meid:A1000000:9296F2", "a MEID URN is urn:3gpp2:meid:MMMMMMMM-SSSSSS"),
        ("urn:esn:8075B7E", "an ESN has 8 hexadecimal digits"),
        (
            "ESN 25616777216",
            "a decimal ESN's manufacturer code is at most 255 and its serial at most 16777215",
        ),
    ],
)
def test_invalid_meid_and_esn_say_why(text: str, detail: str) -> None:
    assert invalid(text) == detail


def test_esn_hex_and_decimal() -> None:
    reading = only("urn:esn:8075b7ed", "esn")
    assert reading.canonical == "urn:esn:8075B7ED"
    assert reading.details == {
        "manufacturer_code": "80",
        "serial": "75B7ED",
        "decimal": "12807714797",
        "pseudo": "true",
    }
    assert first_canonical("12807714797") == reading.canonical
    assert [(r.scheme, r.rank) for r in read("8075B7ED")] == [("esn", 10)]


# --- IMSI, ICCID ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "mcc", "mnc", "msin"),
    [
        ("234150999999999", "234", "15", "0999999999"),  # 3GPP TS 23.003 §13
        ("310150123456789", "310", "150", "123456789"),  # stdnum
        ("429011234567890", "429", "01", "1234567890"),  # stdnum
        ("460001234567890", "460", "00", "1234567890"),  # stdnum: China
        ("310260000000000", "310", "260", "000000000"),  # Android emulator SIM
        ("001010123456789", "001", "01", "0123456789"),  # 3GPP test network
    ],
)
def test_imsi_vectors(digits: str, mcc: str, mnc: str, msin: str) -> None:
    canonical = TAG + "imsi-" + digits
    for text in (digits, "imsi-" + digits, "IMSI " + digits, canonical):
        reading = next(r for r in read(text) if r.scheme == "imsi")
        assert reading.canonical == canonical
        assert not reading.object_level
        assert (reading.details["mcc"], reading.details["mnc"]) == (mcc, mnc)
        assert reading.details["msin"] == msin
        assert reading.details["supi"] == "imsi-" + digits


def test_imsi_country_is_named() -> None:
    assert read("imsi-460001234567890")[0].details["country"] == "China"


def test_invalid_imsi() -> None:
    # stdnum's unknown-MCC example: bare it is nobody's, explicit it is an error
    assert read("439011234567890") == []
    assert invalid("imsi-439011234567890") == "IMSI mobile country code 439 is not assigned"
    assert invalid("imsi-3101501234567890") == "an IMSI has 6-15 digits, this one has 16"


def test_iccid_vectors() -> None:
    # the Android emulator's SIM; ITU-T E.118 issuer country 1 written "01"
    canonical = TAG + "iccid-89014103211118510720"
    for text in (
        "89014103211118510720",
        "8901 4103 2111 1851 0720",
        "ICCID: 89014103211118510720",
        canonical,
    ):
        reading = only(text, "iccid")
        assert reading.canonical == canonical
        assert not reading.object_level
        assert reading.details == {"check_digit": "0", "country_code": "1"}
    # 19 digits with the BCD filler F of a 20-digit field
    nineteen = "8944110063125896718"
    assert luhn_digit(nineteen[:-1]) == "8"
    assert only(nineteen + "F", "iccid").canonical == TAG + "iccid-" + nineteen
    assert only(nineteen, "iccid").details["country_code"] == "44"
    assert read("89014103211118510721") == []
    assert invalid("ICCID 89014103211118510721") == "ICCID check digit is 1, expected 0"
    assert invalid(TAG + "iccid-99014103211118510720") == (
        "an ICCID starts with 89, the telecom industry code"
    )


# --- what is not ours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "urn:dev:mac:0024befffe804ff1",
        "urn:gsma:foo:1",
        "tag:example.com,2000:imsi-310150123456789",
        TAG + "thing-1",
        "https://id.gs1.org/01/09506000134352",
        "12345",
        "4006381333931",
        "IMSI catcher",
        "imeis are fun",
        "00:24:be:80:4f:f1",
        "٣٥٢٠٩٩٠٠١٧٦١٤٨١",  # Arabic-Indic digits
    ],
)
def test_other_families_are_left_alone(text: str) -> None:
    assert read(text) == []


# --- properties -----------------------------------------------------------------------------

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)
imei_bodies = st.text(alphabet="0123456789", min_size=14, max_size=14)


@given(digit_strings)
def test_luhn_matches_stdnum(payload: str) -> None:
    assert luhn_digit(payload) == stdnum_luhn.calc_check_digit(payload)
    assert stdnum_luhn.is_valid(payload + luhn_digit(payload))


@given(st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=20))
def test_hex_luhn_matches_stdnum(payload: str) -> None:
    expected = stdnum_luhn.calc_check_digit(payload, alphabet="0123456789ABCDEF")
    assert hex_luhn_digit(payload) == expected


def imei_notations(body: str) -> list[str]:
    full = body + luhn_digit(body)
    tac, serial, check = body[:8], body[8:], full[14]
    return [
        full,
        body,
        f"{full[:2]}-{full[2:8]}-{serial}-{check}",
        f"{full[:2]} {full[2:8]} {serial} {check}",
        f"{tac}-{serial}-{check}",
        f"{tac}-{serial}-0",
        f"{tac}-{serial}",
        f"urn:gsma:imei:{tac}-{serial}-0",
        f"urn:gsma:imei:{tac}-{serial}-{check}",
        f"URN:GSMA:IMEI:{tac}-{serial}-0;vers=0",
        f"urn:imei:{full}",
        f"urn:imei:{body}",
        f"urn:imei-imsi:{full}-310150123456789",
        f"IMEI: {full}",
    ]


@given(imei_bodies)
def test_every_imei_notation_gives_one_canonical(body: str) -> None:
    canonical = f"urn:gsma:imei:{body[:8]}-{body[8:]}-0"
    for text in imei_notations(body):
        reading = read(text)[0]
        assert (reading.scheme, reading.canonical) == ("imei", canonical), text
        assert reading.details["imei"] == body + luhn_digit(body)
    assert only(canonical, "imei").canonical == canonical


@given(imei_bodies, st.sampled_from("123456789"))
def test_wrong_imei_check_digit_is_caught(body: str, shift: str) -> None:
    check = luhn_digit(body)
    wrong = str((int(check) + int(shift)) % 10)
    assert all(r.scheme != "imei" for r in read(body + wrong))
    with pytest.raises(InvalidIdentifier, match=f"IMEI check digit is {wrong}, expected {check}"):
        read(f"{body[:2]}-{body[2:8]}-{body[8:]}-{wrong}")


@given(imei_bodies, st.integers(0, 98).map(lambda n: f"{n:02d}"))
def test_every_imeisv_notation_gives_one_canonical(body: str, svn: str) -> None:
    canonical = f"urn:gsma:imei:{body[:8]}-{body[8:]}-0;svn={svn}"
    for text in (
        body + svn,
        f"{body[:2]}-{body[2:8]}-{body[8:]}-{svn}",
        f"{body[:8]}-{body[8:]}-{svn}",
        f"urn:gsma:imei:{body[:8]}-{body[8:]}-0;svn={svn}",
        f"urn:imei:{body}{svn}",
    ):
        readings = read(text)
        assert (readings[0].scheme, readings[0].canonical) == ("imeisv", canonical), text
        assert readings[1].canonical == canonical.partition(";")[0]
    assert read(canonical)[0].canonical == canonical


meids = st.tuples(st.integers(0xA0, 0xFF), st.integers(0, 0xFFFFFF), st.integers(0, 0xFFFFFF)).map(
    lambda t: f"{t[0]:02X}{t[1]:06X}{t[2]:06X}"
)


@given(meids)
def test_every_meid_notation_gives_one_canonical(value: str) -> None:
    canonical = "urn:meid:" + value
    decimal = stdnum_meid.format(value, format="dec", separator="")
    for text in (
        value,
        value.lower(),
        value + hex_luhn_digit(value),
        " ".join(value[i : i + 2] for i in range(0, 14, 2)),
        decimal,
        decimal + luhn_digit(decimal),
        f"urn:meid:{value.lower()}",
        f"urn:3gpp2:meid:{value[:8]}-{value[8:]}",
        f"MEID: {decimal}",
    ):
        reading = read(text)[0]
        assert (reading.scheme, reading.canonical) == ("meid", canonical), text
    reading = only(canonical, "meid")
    assert reading.details["decimal"] == decimal
    assert reading.details["pseudo_esn"] == stdnum_meid.to_pseudo_esn(value)
    assert reading.details["check_digit"] == stdnum_meid.calc_check_digit(value)


@given(st.integers(0, 0xFF), st.integers(0, 0xFFFFFF))
def test_esn_hex_and_decimal_agree(manufacturer: int, serial: int) -> None:
    value = f"{manufacturer:02X}{serial:06X}"
    canonical = "urn:esn:" + value
    for text in (value.lower(), f"{manufacturer:03d}{serial:08d}", f"urn:esn:{value}"):
        assert first_canonical(text) == canonical, text


def _networks() -> list[tuple[str, str]]:
    return [
        (mcc, low)
        for _, mcc, _, _, networks in numdb.get("imsi").prefixes
        for length, low, high, _, _ in networks
        if length in (2, 3) and low == high
    ]


@given(st.sampled_from(_networks()), st.text(alphabet="0123456789", min_size=9, max_size=10))
def test_imsi_split_agrees_with_stdnum(network: tuple[str, str], msin: str) -> None:
    mcc, mnc = network
    digits = (mcc + mnc + msin)[:15]
    canonical = TAG + "imsi-" + digits
    parts = stdnum_imsi.split(digits)
    for text in (digits, f"imsi-{digits}", f"IMSI: {digits}", canonical):
        reading = next(r for r in read(text) if r.scheme == "imsi")
        assert reading.canonical == canonical
        assert (reading.details["mcc"], reading.details["mnc"]) == parts[:2]


@given(st.integers(18, 22), st.data())
def test_iccid_round_trip(size: int, data: st.DataObject) -> None:
    body = "89" + data.draw(st.text(alphabet="0123456789", min_size=size - 3, max_size=size - 3))
    digits = body + luhn_digit(body)
    canonical = TAG + "iccid-" + digits
    for text in (digits, f"ICCID {digits}", canonical):
        reading = next(r for r in read(text) if r.scheme == "iccid")
        assert reading.canonical == canonical
    assert all(r.scheme != "iccid" for r in read(body + str((int(digits[-1]) + 1) % 10)))


@pytest.mark.parametrize("digits", ["310590123456789", "722070123456789"])
def test_overlapping_network_codes_split_as_stdnum_does(digits: str) -> None:
    # the table lists both 310-59 and 310-590 (722-07 and 722-070): the shorter code wins
    reading = next(r for r in read("imsi-" + digits) if r.scheme == "imsi")
    assert (reading.details["mcc"], reading.details["mnc"]) == stdnum_imsi.split(digits)[:2]
    assert len(reading.details["mnc"]) == 2
