"""Round trips over random GS1 keys: every notation, one canonical; canonical is a fixed point.

Notations are built here from the standards' rules, independently of the code under test: check
digits by python-stdnum, EPC escaping from the TDS table, Digital Link encoding by urllib.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from biip.gs1_prefixes import GS1CompanyPrefix
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from thingreg.core.ids.gs1 import read

GS1_CHARS = "".join(chr(c) for c in range(128) if re.fullmatch(r'[!"%-?A-Z_a-z]', chr(c)))
EPC_RESERVED = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
HOSTS = st.sampled_from(["id.gs1.org", "example.com", "resolver.example.org:8443"])
PATH_PREFIXES = st.sampled_from(["", "/p", "/shop/items"])


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def serials(longest: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=GS1_CHARS, min_size=1, max_size=longest)


def with_check(payload: str) -> str:
    return payload + ean.calc_check_digit(payload)


def epc(value: str) -> str:
    return "".join(EPC_RESERVED.get(c, c) for c in value)


def dl(value: str) -> str:
    return quote(value, safe="")


def hri_safe(value: str) -> bool:
    """Parentheses around 2-4 digits inside a value would read as the next AI."""
    return re.search(r"\([0-9]{2,4}\)", value) is None


def table_knows(twelve_digits: str) -> bool:
    found = GS1CompanyPrefix.extract(twelve_digits)
    return found is not None and 6 <= len(found.value) <= 12


@dataclass
class Notations:
    texts: list[str]
    epc_expected: bool


def assert_one_canonical(notations: Notations) -> None:
    canonicals = {text: read(text)[0].canonical for text in notations.texts}
    assert len(set(canonicals.values())) == 1, canonicals
    canonical = next(iter(canonicals.values()))
    assert canonical.startswith("urn:epc:id:") == notations.epc_expected
    # idempotent: the canonical reads back to itself, as an explicit notation
    (again,) = read(canonical)
    assert again.canonical == canonical
    assert again.rank == 100
    # EPC URN <-> Digital Link, both ways
    link = again.details["digital_link"]
    assert read(link)[0].canonical == canonical
    if notations.epc_expected:
        assert again.details["epc_urn"] == canonical
        assert read(canonical)[0].details["digital_link"] == link


@given(
    payload=digits(13),
    serial=serials(20),
    declared=st.integers(6, 12),
    host=HOSTS,
    prefix=PATH_PREFIXES,
    lot=st.none() | serials(20),
)
def test_sgtin(
    payload: str, serial: str, declared: int, host: str, prefix: str, lot: str | None
) -> None:
    gtin = with_check(payload)
    lot_path = "" if lot is None else f"/10/{dl(lot)}"
    texts = [
        f"https://{host}{prefix}/01/{gtin}{lot_path}/21/{dl(serial)}?17=261231",
        f"urn:epc:id:sgtin:{gtin[1 : 1 + declared]}.{gtin[0]}{gtin[1 + declared : 13]}"
        f".{epc(serial)}",
        f"]d201{gtin}21{serial}",
    ]
    if hri_safe(serial) and (lot is None or hri_safe(lot)):
        texts.append(f"(01){gtin}(21){serial}" + ("" if lot is None else f"(10){lot}"))
    assert_one_canonical(Notations(texts, table_knows(gtin[1:13])))


@given(payload=digits(13), host=HOSTS, prefix=PATH_PREFIXES, lot=st.none() | serials(20))
def test_gtin_class(payload: str, host: str, prefix: str, lot: str | None) -> None:
    gtin = with_check(payload)
    lot_path = "" if lot is None else f"/10/{dl(lot)}"
    raw = f"]d201{gtin}" + ("" if lot is None else f"10{lot}")
    texts = [f"https://{host}{prefix}/01/{gtin}{lot_path}", raw]
    if lot is None:
        texts.append(gtin)  # bare digits: GTIN-14
        if gtin.startswith("0"):
            texts.append(gtin[1:])  # and GTIN-13
    elif hri_safe(lot):
        texts.append(f"(01){gtin}(10){lot}")
    notations = Notations(texts, epc_expected=False)
    assert_one_canonical(notations)
    assert read(texts[0])[0].object_level is False


@given(payload=digits(17), declared=st.integers(6, 12), host=HOSTS)
def test_sscc(payload: str, declared: int, host: str) -> None:
    sscc = with_check(payload)
    texts = [
        f"https://{host}/00/{sscc}",
        f"urn:epc:id:sscc:{sscc[1 : 1 + declared]}.{sscc[0]}{sscc[1 + declared : 17]}",
        f"(00){sscc}",
        sscc,
    ]
    assert_one_canonical(Notations(texts, table_knows(sscc[1:13])))


@given(payload=digits(12), ext=st.none() | serials(20), declared=st.integers(6, 12), host=HOSTS)
def test_gln_and_sgln(payload: str, ext: str | None, declared: int, host: str) -> None:
    gln = with_check(payload)
    ext_path = "" if ext is None else f"/254/{dl(ext)}"
    texts = [
        f"https://{host}/414/{gln}{ext_path}",
        f"urn:epc:id:sgln:{gln[:declared]}.{gln[declared:12]}.{epc(ext or '0')}",
    ]
    if ext is None or hri_safe(ext):
        texts.append(f"(414){gln}" + ("" if ext is None else f"(254){ext}"))
    assert_one_canonical(Notations(texts, table_knows(gln[:12])))


@given(
    payload=digits(12),
    serial=serials(16),
    declared=st.integers(6, 12),
    host=HOSTS,
    ai=st.sampled_from(["8003", "253"]),
)
def test_grai_and_gdti(payload: str, serial: str, declared: int, host: str, ai: str) -> None:
    head = with_check(payload)
    value = ("0" if ai == "8003" else "") + head + serial
    scheme = "grai" if ai == "8003" else "gdti"
    texts = [
        f"https://{host}/{ai}/{dl(value)}",
        f"urn:epc:id:{scheme}:{head[:declared]}.{head[declared:12]}.{epc(serial)}",
    ]
    if hri_safe(serial):
        texts.append(f"({ai}){value}")
    assert_one_canonical(Notations(texts, table_knows(head[:12])))


@given(payload=digits(17), declared=st.integers(6, 12), host=HOSTS)
def test_gsrn(payload: str, declared: int, host: str) -> None:
    gsrn = with_check(payload)
    texts = [
        f"https://{host}/8018/{gsrn}",
        f"urn:epc:id:gsrn:{gsrn[:declared]}.{gsrn[declared:17]}",
        f"(8018){gsrn}",
    ]
    assert_one_canonical(Notations(texts, table_knows(gsrn[:12])))


@given(
    prefix=st.integers(6, 12).flatmap(digits),
    reference=st.text(alphabet=GS1_CHARS, min_size=1, max_size=18),
    host=HOSTS,
)
def test_giai(prefix: str, reference: str, host: str) -> None:
    value = prefix + reference
    texts = [f"https://{host}/8004/{dl(value)}", f"urn:epc:id:giai:{prefix}.{epc(reference)}"]
    if hri_safe(value):
        texts.append(f"(8004){value}")
    canonicals = {read(text)[0].canonical for text in texts}
    assert len(canonicals) == 1, (texts, canonicals)
    canonical = canonicals.pop()
    (again,) = read(canonical)
    assert again.canonical == canonical
    assert read(again.details["digital_link"])[0].canonical == canonical
