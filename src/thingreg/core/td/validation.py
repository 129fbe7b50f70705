"""Syntactic validation of W3C WoT Thing Descriptions (TD 1.0 and 1.1) and Enriched TDs.

:func:`validate_td` decides as the official TD 1.1 JSON Schema plus the WoT Discovery
extension schema (``registration``) do, run by ``jsonschema`` with format checks for
``date-time`` and ``uri`` (see :mod:`formats`), but some hundred times faster: the schema's
``oneOf``/``anyOf`` constructs are resolved by looking at the discriminating member once instead
of trying every branch. TDs are open-world: members the schema does not name are accepted
anywhere it accepts them.

The one deliberate difference: DataSchemas nested more than ``MAX_DEPTH`` levels deep are an
error, so that no input can exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from thingreg.core.errors import FieldError
from thingreg.core.td import terms
from thingreg.core.td.affordances import check_affordances
from thingreg.core.td.dataschema import check_schema_map
from thingreg.core.td.formats import is_date_time, is_icon_sizes, is_language_tag, is_uri
from thingreg.core.td.forms import THING_OPS, check_forms
from thingreg.core.td.report import Report, TooManyErrors, is_number, type_message
from thingreg.core.td.security import check_security_definitions

__all__ = ["TD_CONTEXT_V1", "TD_CONTEXT_V11", "validate_td"]

TD_CONTEXT_V1 = "https://www.w3.org/2019/wot/td/v1"
TD_CONTEXT_V11 = "https://www.w3.org/2022/wot/td/v1.1"

_TD_CONTEXTS = frozenset({TD_CONTEXT_V1, TD_CONTEXT_V11})
_REQUIRED = ("title", "security", "securityDefinitions", "@context")
_REGISTRATION_TIMES = frozenset({"created", "modified", "expires", "retrieved"})


def validate_td(td: object) -> list[FieldError]:
    """All the ways ``td`` breaks the TD information model (at most 100); empty when valid."""
    r = Report()
    with suppress(TooManyErrors):
        _thing(r, td)
    return r.errors


def _thing(r: Report, td: object) -> None:
    if not isinstance(td, dict):
        r.add("", type_message("object", td))
        return
    for key in _REQUIRED:
        if key not in td:
            r.missing("", key)
    for key, value in td.items():
        check = _THING_MEMBERS.get(key)
        if check is not None:
            check(r, key, value)


def _id(r: Report, key: str, value: object) -> None:
    if not isinstance(value, str):
        r.wrong_type("", key, "string", value)
    elif not is_uri(value):
        r.add(key, "Does not match format 'uri'")


def _date_time(r: Report, path: str, key: str, value: object) -> None:
    if not isinstance(value, str):
        r.wrong_type(path, key, "string", value)
    elif not is_date_time(value):
        r.member(path, key, "Does not match format 'date-time'")


def _context(r: Report, key: str, value: object) -> None:
    """``@context``: the TD 1.1 or 1.0 context URI, alone or first in an array.

    After the 1.1 context come other vocabularies (URIs or prefix maps) but not the 1.0 one;
    after the 1.0 context anything of that shape may follow, the 1.1 context included. The
    schema's first branch has no ``minItems``, so it also accepts an empty array.
    """
    if isinstance(value, str):
        if value not in _TD_CONTEXTS:
            r.add(key, f'must be "{TD_CONTEXT_V11}" or "{TD_CONTEXT_V1}", or an array')
        return
    if not isinstance(value, list):
        r.wrong_type("", key, "string or array", value)
        return
    if not value:
        return
    first = value[0]
    after_v11 = first == TD_CONTEXT_V11
    if not after_v11 and first != TD_CONTEXT_V1:
        r.add(f"{key}.0", f'must be "{TD_CONTEXT_V11}" or "{TD_CONTEXT_V1}"')
    for index in range(1, len(value)):
        item = value[index]
        if isinstance(item, str):
            if after_v11 and item == TD_CONTEXT_V1:
                r.add(f"{key}.{index}", "the TD 1.0 context must not follow the TD 1.1 context")
        elif isinstance(item, dict):
            for prefix, uri in item.items():
                if not isinstance(uri, str):
                    r.wrong_type(f"{key}.{index}", prefix, "string", uri)
        else:
            r.wrong_type(key, index, "string or object", item)


def _links(r: Report, key: str, value: object) -> None:
    if not isinstance(value, list):
        r.wrong_type("", key, "array", value)
        return
    for index, link in enumerate(value):
        _link(r, f"{key}.{index}", link)


def _link(r: Report, path: str, link: object) -> None:
    if not isinstance(link, dict):
        r.add(path, type_message("object", link))
        return
    if "href" not in link:
        r.missing(path, "href")
    for key, value in link.items():
        if key in {"href", "rel", "type", "anchor"}:
            terms.string(r, path, key, value)
        elif key == "hreflang":
            _hreflang(r, path, value)
    rel = link.get("rel")
    if rel == "icon":
        if "sizes" in link:
            _icon_sizes(r, path, link["sizes"])
        return
    if "sizes" in link:
        r.member(path, "sizes", 'sizes is only allowed in a link whose rel is "icon"')
    if rel == "tm:extends":
        r.member(path, "rel", "tm:extends is only allowed in Thing Models")


def _icon_sizes(r: Report, path: str, sizes: object) -> None:
    if not isinstance(sizes, str):
        r.wrong_type(path, "sizes", "string", sizes)
    elif not is_icon_sizes(sizes):
        r.member(path, "sizes", "Does not match pattern '[0-9]*x[0-9]+'")


def _hreflang(r: Report, path: str, value: object) -> None:
    if isinstance(value, str):
        if not is_language_tag(value):
            r.member(path, "hreflang", "must be a BCP 47 language tag")
    elif isinstance(value, list):
        here = f"{path}.hreflang"
        for index, tag in enumerate(value):
            if not isinstance(tag, str):
                r.wrong_type(here, index, "string", tag)
            elif not is_language_tag(tag):
                r.member(here, index, "must be a BCP 47 language tag")
    else:
        r.wrong_type(path, "hreflang", "string or array", value)


def _version(r: Report, key: str, value: object) -> None:
    if not isinstance(value, dict):
        r.wrong_type("", key, "object", value)
    elif "instance" not in value:
        r.missing(key, "instance")
    else:
        terms.string(r, key, "instance", value["instance"])


def _registration(r: Report, key: str, value: object) -> None:
    """The WoT Discovery extension: what a directory adds to an Enriched TD."""
    if not isinstance(value, dict):
        r.wrong_type("", key, "object", value)
        return
    for member, item in value.items():
        if member in _REGISTRATION_TIMES:
            _date_time(r, key, member, item)
        elif member == "ttl" and not is_number(item):
            r.wrong_type(key, member, "number", item)


def _schema_definitions(r: Report, key: str, value: object) -> None:
    if isinstance(value, dict) and not value:
        r.add(key, "Must have at least 1 properties")
    check_schema_map(r, "", key, value, 1)


def _string(r: Report, key: str, value: object) -> None:
    terms.string(r, "", key, value)


_THING_MEMBERS: dict[str, Callable[[Report, str, object], None]] = {
    "@context": _context,
    "@type": lambda r, key, value: terms.type_declaration(r, "", key, value),
    "id": _id,
    "title": _string,
    "titles": lambda r, key, value: terms.string_map(r, "", key, value),
    "description": _string,
    "descriptions": lambda r, key, value: terms.string_map(r, "", key, value),
    "version": _version,
    "created": lambda r, key, value: _date_time(r, "", key, value),
    "modified": lambda r, key, value: _date_time(r, "", key, value),
    "support": _string,
    "base": _string,
    "properties": check_affordances,
    "actions": check_affordances,
    "events": check_affordances,
    "links": _links,
    "forms": lambda r, key, value: check_forms(r, "", value, THING_OPS),
    "security": lambda r, key, value: terms.string_or_strings(r, "", key, value, non_empty=True),
    "securityDefinitions": lambda r, key, value: check_security_definitions(r, value),
    "schemaDefinitions": _schema_definitions,
    "profile": lambda r, key, value: terms.string_or_strings(r, "", key, value, non_empty=True),
    "uriVariables": lambda r, key, value: check_schema_map(r, "", key, value, 1),
    "registration": _registration,
}
