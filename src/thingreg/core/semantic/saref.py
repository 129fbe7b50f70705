"""SAREF classes: reading them from a TD, and resolving the classes a query asks for.

A thing's classes are collected when it is written, together with all their superclasses, and
stored in an index as namespace-free local names of SAREF core (a temperature sensor is indexed
as ``TemperatureSensor``, ``Sensor`` and ``Device``). A query for a class then reads one range
of that index, whose entries are already in thing id order: the first page of ``saref:Device``
over a million things costs what the first page of a rare class does, and no subclass list
has to be merged and sorted. Which TD positions count is documented in the README ("Semantic
discovery with SAREF"):

* ``@type`` of the thing and of each of its properties, actions and events;
* the objects of SAREF relations written in those places (``saref:hasFunction``,
  ``saref:measuresProperty``, ...): an IRI naming a class, or a node whose ``@type`` does,
  followed into nested nodes.

A term is SAREF when it is a full IRI in either namespace (``https://saref.etsi.org/core/``,
the current one, or ``https://w3id.org/saref#``, the older one) or a compact IRI whose prefix
the TD's ``@context`` binds to either; the prefix ``saref`` counts as SAREF unless the
``@context`` binds it to something else. Only classes of SAREF core are indexed: other terms
(other ontologies, SAREF extensions, misspelt names) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

import orjson

from thingreg.core.errors import BadRequest
from thingreg.core.semantic.saref_classes import SUPERCLASSES

NAMESPACES = ("https://saref.etsi.org/core/", "https://w3id.org/saref#")
"""The current SAREF core namespace and the older one; a class is the same in both."""

RELATIONS = frozenset(
    {
        "hasFunction",
        "hasCommand",
        "hasState",
        "measuresProperty",
        "controlsProperty",
        "relatesToProperty",
        "hasProperty",
        "offers",
        "isMeasuredIn",
    }
)
"""SAREF relations whose objects a TD may type with a SAREF class."""

AFFORDANCES = ("properties", "actions", "events")
Kind = Literal["type", "function", "property"]
ROOTS: dict[Kind, str | None] = {"type": None, "function": "Function", "property": "Property"}
"""What a query parameter accepts: any class, or only subclasses of a root."""
_MAX_DEPTH = 4


def with_superclasses(names: Iterable[str]) -> tuple[str, ...]:
    """The classes and all their superclasses, sorted: what the index holds for a thing."""
    found: set[str] = set()
    for name in names:
        found.add(name)
        found.update(SUPERCLASSES[name])
    return tuple(sorted(found))


def local_name(term: str, prefixes: frozenset[str] = frozenset({"saref"})) -> str | None:
    """The SAREF core class a term names, or ``None`` when it names none."""
    for namespace in NAMESPACES:
        if term.startswith(namespace):
            name = term.removeprefix(namespace)
            return name if name in SUPERCLASSES else None
    prefix, colon, name = term.partition(":")
    if colon and prefix in prefixes and name in SUPERCLASSES:
        return name
    return None


def saref_prefixes(context: Any) -> frozenset[str]:
    """The prefixes a TD's ``@context`` binds to a SAREF namespace (``saref`` unless rebound)."""
    bound: dict[str, bool] = {}
    for entry in context if isinstance(context, list) else [context]:
        if not isinstance(entry, dict):
            continue
        for prefix, value in entry.items():
            iri = value.get("@id") if isinstance(value, dict) else value
            if isinstance(iri, str) and not prefix.startswith("@"):
                bound[prefix] = iri in NAMESPACES
    found = {prefix for prefix, is_saref in bound.items() if is_saref}
    if bound.get("saref", True):
        found.add("saref")
    return frozenset(found)


def classes_of(td: dict[str, Any]) -> tuple[str, ...]:
    """The SAREF core classes a TD is annotated with (see the module docstring), sorted;
    :func:`with_superclasses` adds what the index needs."""
    prefixes = saref_prefixes(td.get("@context"))
    found: set[str] = set()
    nodes: list[dict[str, Any]] = [td]
    for member in AFFORDANCES:
        affordances = td.get(member)
        if isinstance(affordances, dict):
            nodes.extend(a for a in affordances.values() if isinstance(a, dict))
    for node in nodes:
        found.update(_node_classes(node, prefixes, 0))
    return tuple(sorted(found))


def _node_classes(node: dict[str, Any], prefixes: frozenset[str], depth: int) -> Iterator[str]:
    for term in _strings(node.get("@type")):
        if (name := local_name(term, prefixes)) is not None:
            yield name
    if depth >= _MAX_DEPTH:
        return
    for key, value in node.items():
        relation = local_name_of_relation(key, prefixes)
        if relation is None:
            continue
        for target in value if isinstance(value, list) else [value]:
            if isinstance(target, str):
                if (name := local_name(target, prefixes)) is not None:
                    yield name
            elif isinstance(target, dict):
                yield from _node_classes(target, prefixes, depth + 1)


def local_name_of_relation(key: str, prefixes: frozenset[str]) -> str | None:
    """The SAREF relation a TD member's key names (of :data:`RELATIONS`), or ``None``."""
    if ":" not in key:
        return None
    for namespace in NAMESPACES:
        if key.startswith(namespace):
            name = key.removeprefix(namespace)
            return name if name in RELATIONS else None
    prefix, _, name = key.partition(":")
    return name if prefix in prefixes and name in RELATIONS else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def asked_classes(kind: Kind, terms: Iterable[str]) -> frozenset[str]:
    """The classes a query parameter asks for, as indexed (things annotated with a subclass
    are indexed with its superclasses too, so the class itself is all there is to look up).

    Several terms (repeated parameters, or comma-separated) are alternatives. A term that names
    no SAREF core class, or a class outside the parameter's root, is a :class:`BadRequest`.
    """
    root = ROOTS[kind]
    wanted: set[str] = set()
    for raw in terms:
        for part in raw.split(","):
            term = part.strip()
            name = local_name(term)
            if name is None:
                raise BadRequest(
                    f"query parameter {kind!r}: {term!r} is not a class of SAREF core; write "
                    "saref:Name or a full IRI in https://saref.etsi.org/core/ or "
                    "https://w3id.org/saref# (see GET /openapi.json)"
                )
            if root is not None and name != root and root not in SUPERCLASSES[name]:
                raise BadRequest(
                    f"query parameter {kind!r}: saref:{name} is not a saref:{root}; use 'type' "
                    "to ask for any class"
                )
            wanted.add(name)
    return frozenset(wanted)


def stored_classes(body: bytes) -> tuple[str, ...]:
    """What the class index holds for a stored TD (``ThingRecord.body``): a record read back
    from a store leaves ``classes`` empty, so a write that keeps the TD recomputes them."""
    td = orjson.loads(body)
    return with_superclasses(classes_of(td)) if isinstance(td, dict) else ()
