"""String formats the TD schema names: ``uri``, ``date-time``, BCP 47 tags and two patterns.

Each predicate decides as the official TD 1.1 JSON Schema does when run by ``jsonschema`` with a
format checker:

* ``date-time`` is what ``jsonschema`` checks with ``rfc3339-validator``: RFC 3339 with a
  mandatory offset, upper-cased first (so ``t``/``z`` pass), no leap second, a real calendar day,
  and, being a ``$``-anchored match, one trailing newline is tolerated.
* ``uri`` is the RFC 3986 ``URI`` rule (absolute, with a scheme; a fragment is allowed). Without
  an extra package ``jsonschema`` does not check it at all, which would make ``id`` free text.
* BCP 47 and the two ``pattern`` keywords are searched like ECMA/Python regexes are by
  ``jsonschema`` (``re.search``), including ``$`` matching before a final newline.
"""

from __future__ import annotations

import re

# RFC 3339 ``date-time``; ASCII digits only, as the checker compiles its regex with re.ASCII.
_DATE_TIME = re.compile(
    r"(\d{4})-(0[1-9]|1[0-2])-(\d{2})"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$",
    re.ASCII,
)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# RFC 3986, Appendix A. The authority's IP literal is checked by code (see _ip_literal) rather
# than by the usual 1 KB IPv6 alternation, which keeps this regex small and fast.
_SUB_UNRESERVED = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_SUB_UNRESERVED}:@]|{_PCT})"
_QUERY = rf"(?:[{_SUB_UNRESERVED}:@/?]|{_PCT})*"
_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+\-.]*:"
    r"(?:"
    rf"//(?:(?:[{_SUB_UNRESERVED}:]|{_PCT})*@)?"  # userinfo
    rf"(?:\[(?P<ip>[^\]]*)\]|(?:[{_SUB_UNRESERVED}]|{_PCT})*)"  # host
    r"(?::[0-9]*)?"  # port
    rf"(?:/{_PCHAR}*)*"  # path-abempty
    rf"|(?!//)(?:/|{_PCHAR})*"  # path-absolute, path-rootless or path-empty
    r")"
    rf"(?:\?{_QUERY})?(?:#{_QUERY})?"
)
_H16 = re.compile(r"[0-9A-Fa-f]{1,4}")
_DEC_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}")
_IP_FUTURE = re.compile(rf"[vV][0-9A-Fa-f]+\.[{_SUB_UNRESERVED}:]+")

# RFC 5646 Language-Tag, with the grandfathered tags, letter for letter as the schema has it.
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}(?:-[A-Za-z]{3}){0,2})?|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn"
    "|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE"
    "|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_BCP47 = re.compile(rf"(?:{_LANGTAG}|x(?:-{_ALNUM}{{1,8}})+|{_GRANDFATHERED})$")

# The schema's ``.+:.*`` (additional security schemes) and ``[0-9]*x[0-9]+`` (icon sizes),
# reduced to the part a search needs to find.
_PREFIXED_NAME = re.compile(r"[^\n]:")
_SIZES = re.compile(r"x[0-9]")


def is_date_time(value: str) -> bool:
    match = _DATE_TIME.match(value.upper())
    if match is None:
        return False
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if year == 0:
        return False
    last = _DAYS_IN_MONTH[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return 1 <= day <= last


def is_uri(value: str) -> bool:
    match = _URI.fullmatch(value)
    if match is None:
        return False
    literal = match["ip"]
    return literal is None or _ip_literal(literal)


def _ip_literal(text: str) -> bool:
    if text[:1] in ("v", "V"):
        return _IP_FUTURE.fullmatch(text) is not None
    return _ipv6(text)


def _ipv6(text: str) -> bool:
    """RFC 3986 IPv6address: 8 groups, or fewer around one ``::``; an IPv4 tail counts as two."""
    head, elided, tail = text.partition("::")
    if elided:
        if "::" in tail:
            return False
        before = _groups(head, ipv4_tail=False) if head else 0
        after = _groups(tail, ipv4_tail=True) if tail else 0
        return before >= 0 and after >= 0 and before + after <= 7
    return _groups(text, ipv4_tail=True) == 8


def _groups(text: str, *, ipv4_tail: bool) -> int:
    """How many 16-bit groups ``text`` holds, or -1 when it is not a run of groups."""
    parts = text.split(":")
    count = 0
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if _H16.fullmatch(part):
            count += 1
        elif ipv4_tail and index == last and _IPV4.fullmatch(part):
            count += 2
        else:
            return -1
    return count


def is_language_tag(value: str) -> bool:
    return _BCP47.match(value) is not None


def is_prefixed_name(value: str) -> bool:
    return _PREFIXED_NAME.search(value) is not None


def is_icon_sizes(value: str) -> bool:
    return _SIZES.search(value) is not None
