"""Valid alternative identifiers for generated things, in varied schemes and notations.

``make_aliases(i, rng)`` returns one or two :class:`Alias` for the ``i``-th thing of a
population, each of a different scheme: an IMEI (Luhn check digit), a MAC-48 address, an E.164
telephone number, or an SGTIN (GS1 check digit, a company prefix that the GS1 prefix table knows,
or one it does not, which makes the canonical form a GS1 Digital Link URI). Each alias knows its
canonical form, how a TD lists it (a string, or ``{"scheme": …, "value": …}`` where a bare
string could be read several ways), the other notations it can be written in (none of them the
canonical form itself), and the delegation prefix that covers it — a TAC, an OUI, a country code
or a company prefix.

Every notation is checked with :func:`thingreg.core.ids.analysis.analyse` as it is made: an
alias whose notation does not read back to the expected canonical form raises ``ValueError``,
so a benchmark never loads identifiers the registry would refuse. The parts that tell things
apart come from ``i``, so the aliases of a population are unique for ``i`` below
:data:`MAX_THINGS`; the rest is drawn from ``rng``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier

MAX_THINGS = 1_000_000
"""Above this, two things could get the same IMEI serial or telephone number."""

TACS = ("35209900", "49015420", "35686800", "86723004")
"""Type Allocation Codes of the generated IMEIs: one delegation prefix each."""
OUIS = (0x0024BE, 0xF4F5D8, 0x70B3D5, 0x001B63)
"""Not the OUIs of ``bench.tdgen``'s ``urn:dev:mac:`` thing ids, so no alias is a thing's id."""
PHONE_PLANS = (
    # country code, national prefixes (area or mobile codes), digit groups after the prefix
    ("49", ("30", "40", "89"), (4, 4)),
    ("81", ("3", "6"), (4, 4)),
    ("1", ("202", "415", "617"), (3, 4)),
    ("33", ("6", "7"), (2, 2, 2, 2)),
)
"""Every number embeds ``i`` in its last digits (US: ``2xx-xxxx``), so numbers are unique."""
COMPANIES = (
    # GS1 Company Prefix, whether the prefix table knows it (EPC URN) or not (Digital Link)
    ("0614141", True),
    ("0012345", True),
    ("95060001343", True),
    ("6712345", False),  # 671: a GS1 prefix range not assigned to any member organisation
)
SCHEME_WEIGHTS = {"imei": 35, "mac": 30, "tel": 15, "sgtin": 20}
TWO_ALIASES = 0.3
"""The share of things with two aliases (of two schemes) rather than one."""

Listed = str | dict[str, str]


@dataclass(frozen=True, slots=True)
class Alias:
    """One alternative identifier of a thing, and the ways it can be written."""

    scheme: str
    canonical: str
    prefix: str
    """The delegation prefix that covers it: a TAC range, an OUI, a country code…"""
    notations: tuple[tuple[str, str], ...]
    """Other ways to write it, as (label, text), none of them ``canonical``."""
    listed: Listed
    """How the TD lists it under ``identifiers``: one of the notations."""

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.notations)


def make_aliases(i: int, rng: random.Random, *, check: bool = True) -> list[Alias]:
    """The aliases of the ``i``-th thing: one, or two of different schemes.

    ``check=False`` skips the checks (and lists the notation as a plain string): for the
    parsing benchmark, which times the first analysis of each text and checks the result itself
    with :func:`check_notation`. The same ``rng`` state gives the same aliases either way.
    """
    if not 0 <= i < MAX_THINGS:
        raise ValueError(f"aliases are unique for 0 <= i < {MAX_THINGS:,}, not {i:,}")
    count = 2 if rng.random() < TWO_ALIASES else 1
    schemes: list[str] = []
    while len(schemes) < count:
        scheme = rng.choices(list(SCHEME_WEIGHTS), list(SCHEME_WEIGHTS.values()))[0]
        if scheme not in schemes:
            schemes.append(scheme)
    return [_finish(MAKERS[scheme](i, rng), rng, check) for scheme in schemes]


def delegation_prefixes() -> list[str]:
    """Every prefix an alias can have: what a second registry delegates to the first."""
    prefixes = [f"urn:gsma:imei:{tac}" for tac in TACS]
    prefixes += [f"urn:dev:mac:{oui:06x}" for oui in OUIS]
    prefixes += [f"tel:+{cc}" for cc, _, _ in PHONE_PLANS]
    prefixes += [_company_prefix(company, known) for company, known in COMPANIES]
    return prefixes


# --- one maker per scheme -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """An alias before its checks: scheme, canonical form, prefix and labelled notations."""

    scheme: str
    canonical: str
    prefix: str
    notations: tuple[tuple[str, str], ...]


def imei(i: int, rng: random.Random) -> Draft:
    tac = rng.choice(TACS)
    serial = f"{i:06d}"
    digits = tac + serial + luhn_digit(tac + serial)
    notations = (
        ("digits", digits),
        ("printed", f"{tac[:2]}-{tac[2:]}-{serial}-{digits[-1]}"),
        ("spaced", f"{tac[:2]} {tac[2:]} {serial} {digits[-1]}"),
        ("tac-serial", f"{tac}-{serial}-{digits[-1]}"),
        ("label", f"IMEI: {digits}"),
        ("lwm2m-urn", f"urn:imei:{digits}"),
        ("14-digits", tac + serial),
    )
    return Draft("imei", f"urn:gsma:imei:{tac}-{serial}-0", f"urn:gsma:imei:{tac}", notations)


def mac(i: int, rng: random.Random) -> Draft:
    oui = rng.choice(OUIS)
    hexes = f"{oui:06x}{i & 0xFFFFFF:06x}"
    octets = [hexes[k : k + 2] for k in range(0, 12, 2)]
    notations = (
        ("colon", ":".join(octets).upper()),
        ("colon-lower", ":".join(octets)),
        ("hyphen", "-".join(octets).upper()),
        ("dot", f"{hexes[:4]}.{hexes[4:8]}.{hexes[8:]}"),
        ("halves", f"{hexes[:6]}-{hexes[6:]}".upper()),
        ("mac-prefix", "mac:" + ":".join(octets)),
        ("bare-hex", hexes.upper()),
    )
    canonical = f"urn:dev:mac:{hexes[:6]}ffff{hexes[6:]}"
    return Draft("mac", canonical, f"urn:dev:mac:{oui:06x}", notations)


def tel(i: int, rng: random.Random) -> Draft:
    country, areas, sizes = rng.choice(PHONE_PLANS)
    area = rng.choice(areas)
    total = sum(sizes)
    subscriber = f"{i:0{total}d}" if country != "1" else f"{200 + i // 10_000}{i % 10_000:04d}"
    groups = [area]
    for size in sizes:
        groups.append(subscriber[:size])
        subscriber = subscriber[size:]
    digits = country + "".join(groups)
    notations = (
        ("spaced", f"+{country} " + " ".join(groups)),
        ("hyphens", f"+{country}-" + "-".join(groups)),
        ("tel-uri", f"tel:+{country}-" + "-".join(groups)),
        ("dots", f"+{country}.{'.'.join(groups)}"),
        ("parens", f"+{country} ({groups[0]}) " + " ".join(groups[1:])),
        ("compact", f"+{digits}"),
    )
    return Draft("tel", f"tel:+{digits}", f"tel:+{country}", notations)


def sgtin(i: int, rng: random.Random) -> Draft:
    company, known = rng.choice(COMPANIES)
    item_digits = 12 - len(company)
    # The Digital Link canonical starts with the GTIN-14, indicator included: keep one prefix.
    indicator = str(rng.randrange(9)) if known else "0"
    item = f"{rng.randrange(10**item_digits):0{item_digits}d}"
    body = indicator + company + item
    gtin = body + gs1_check_digit(body)
    serial = str(i) if rng.random() < 0.5 else f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{i:06d}"
    host = rng.choice(("example.com", "shop.example.org", "id.example.net"))
    notations = [
        ("element-string", f"(01){gtin}(21){serial}"),
        ("element-string-raw", f"01{gtin}21{serial}"),
        ("digital-link-query", f"https://{host}/p/01/{gtin}/21/{serial}?17=271231"),
    ]
    if known:  # else this is the canonical form
        notations.append(("digital-link", f"https://id.gs1.org/01/{gtin}/21/{serial}"))
        canonical = f"urn:epc:id:sgtin:{company}.{indicator}{item}.{serial}"
    else:
        canonical = f"https://id.gs1.org/01/{gtin}/21/{serial}"
    if indicator == "0":
        notations.append(("digital-link-gtin13", f"https://{host}/01/{gtin[1:]}/21/{serial}"))
    return Draft("sgtin", canonical, _company_prefix(company, known), tuple(notations))


MAKERS: dict[str, Callable[[int, random.Random], Draft]] = {
    "imei": imei,
    "mac": mac,
    "tel": tel,
    "sgtin": sgtin,
}


# --- check digits and checks ----------------------------------------------------------------


def luhn_digit(payload: str) -> str:
    """The Luhn check digit of ``payload`` (IMEI, ICCID)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def gs1_check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit of ``payload`` (GTIN, SSCC, GLN without their last digit)."""
    total = sum(int(char) * (3 if k % 2 == 0 else 1) for k, char in enumerate(reversed(payload)))
    return str(-total % 10)


def check_notation(text: str, scheme: str, canonical: str) -> None:
    """``ValueError`` unless ``text`` reads, as ``scheme``, to ``canonical`` (and is not it)."""
    if text == canonical:
        raise ValueError(f"{text!r} is the canonical form, not another notation")
    try:
        readings = analyse(text).readings
    except InvalidIdentifier as exc:
        raise ValueError(f"generated {scheme} {text!r} is invalid: {exc}") from exc
    found = [reading.canonical for reading in readings if reading.scheme == scheme]
    if canonical not in found:
        raise ValueError(f"generated {scheme} {text!r} reads as {found}, not {canonical!r}")


def _company_prefix(company: str, known: bool) -> str:
    return f"urn:epc:id:sgtin:{company}." if known else f"https://id.gs1.org/01/0{company}"


def _finish(draft: Draft, rng: random.Random, check: bool) -> Alias:
    """Check every notation against ``analyse``; list one of them in the TD."""
    written = rng.choice(draft.notations)[1]
    listed: Listed = written
    if check:
        for _, text in draft.notations:
            check_notation(text, draft.scheme, draft.canonical)
        if not draft.canonical.startswith(draft.prefix):
            raise ValueError(f"{draft.canonical!r} is not under its prefix {draft.prefix!r}")
        # A string several schemes read is refused as an alias unless its scheme is named.
        if {reading.scheme for reading in analyse(written).readings} != {draft.scheme}:
            listed = {"scheme": draft.scheme, "value": written}
    return Alias(draft.scheme, draft.canonical, draft.prefix, draft.notations, listed)
