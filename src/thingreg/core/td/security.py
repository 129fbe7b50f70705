"""Checks of ``securityDefinitions``: the security schemes a TD names in ``security``.

The schema's ``oneOf`` over ten scheme classes reduces to a switch on ``scheme``: the built-in
names are distinct and an extension scheme must be a prefixed name (``ace:ACESecurityScheme``),
which no built-in name is. Only ``combo`` keeps a real ``oneOf``, between ``oneOf`` and
``allOf``.
"""

from __future__ import annotations

from collections.abc import Callable

from thingreg.core.td import terms
from thingreg.core.td.formats import is_prefixed_name
from thingreg.core.td.report import Report, one_of_message, type_message

MemberCheck = Callable[[Report, str, str, object], None]


def _one_of(*allowed: str) -> MemberCheck:
    names = frozenset(allowed)
    message = one_of_message(allowed)

    def check(r: Report, path: str, key: str, value: object) -> None:
        if not isinstance(value, str):
            r.wrong_type(path, key, "string", value)
        elif value not in names:
            r.member(path, key, message)

    return check


def _no_name(r: Report, path: str, key: str, value: object) -> None:
    r.member(path, key, "name is not allowed with the auto scheme")


def _scopes(r: Report, path: str, key: str, value: object) -> None:
    terms.string_or_strings(r, path, key, value)


_LOCATION = _one_of("header", "query", "body", "cookie", "auto")
_SHARED: dict[str, MemberCheck] = {
    "@type": terms.type_declaration,
    "description": terms.string,
    "descriptions": terms.string_map,
    "proxy": terms.string,
}
_SCHEMES: dict[str, dict[str, MemberCheck]] = {
    "nosec": {},
    "auto": {"name": _no_name},
    "combo": {},
    "basic": {"in": _LOCATION, "name": terms.string},
    "digest": {"qop": _one_of("auth", "auth-int"), "in": _LOCATION, "name": terms.string},
    "apikey": {
        "in": _one_of("header", "query", "body", "cookie", "uri", "auto"),
        "name": terms.string,
    },
    "bearer": {
        "authorization": terms.string,
        "alg": terms.string,
        "format": terms.string,
        "in": _LOCATION,
        "name": terms.string,
    },
    "psk": {"identity": terms.string},
    "oauth2": {
        "authorization": terms.string,
        "token": terms.string,
        "refresh": terms.string,
        "scopes": _scopes,
        "flow": terms.string,
    },
}
_NO_MEMBERS: dict[str, MemberCheck] = {}
_UNKNOWN_SCHEME = (
    one_of_message(tuple(_SCHEMES))
    + ', or a prefixed name of an extension scheme such as "ace:ACESecurityScheme"'
)


def check_security_definitions(r: Report, value: object) -> None:
    if not isinstance(value, dict):
        r.wrong_type("", "securityDefinitions", "object", value)
        return
    if not value:
        r.add("securityDefinitions", "Must have at least 1 properties")
    for name, scheme in value.items():
        check_scheme(r, f"securityDefinitions.{name}", scheme)


def check_scheme(r: Report, path: str, node: object) -> None:
    if not isinstance(node, dict):
        r.add(path, type_message("object", node))
        return
    scheme = node.get("scheme")
    members = _NO_MEMBERS
    if "scheme" not in node:
        r.missing(path, "scheme")
    elif not isinstance(scheme, str):
        r.wrong_type(path, "scheme", "string", scheme)
    elif scheme in _SCHEMES:
        members = _SCHEMES[scheme]
    elif not is_prefixed_name(scheme):
        r.member(path, "scheme", _UNKNOWN_SCHEME)
    for key, value in node.items():
        check = _SHARED.get(key) or members.get(key)
        if check is not None:
            check(r, path, key, value)
    if scheme == "combo":
        _combo(r, path, node)


def _combo(r: Report, path: str, node: dict[str, object]) -> None:
    """Exactly one of ``oneOf`` and ``allOf`` must be a valid list of two or more names."""
    present = [key for key in ("oneOf", "allOf") if key in node]
    if not present:
        r.add(path, "oneOf or allOf is required")
        return
    valid = [key for key in present if _scheme_names_valid(node[key])]
    if len(valid) == 2:
        r.add(path, "a combo scheme must have oneOf or allOf, not both")
    elif not valid:
        for key in present:
            _scheme_names(r, path, key, node[key])


def _scheme_names_valid(value: object) -> bool:
    return (
        isinstance(value, list) and len(value) >= 2 and all(isinstance(item, str) for item in value)
    )


def _scheme_names(r: Report, path: str, key: str, value: object) -> None:
    if not isinstance(value, list):
        r.wrong_type(path, key, "array", value)
        return
    if len(value) < 2:
        r.member(path, key, "Array must have at least 2 items")
    terms.strings(r, path, key, value)
