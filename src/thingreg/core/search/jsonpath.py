"""Planning RFC 9535 JSONPath searches over the directory (WoT Discovery ``/search/jsonpath``).

The query is defined against ONE JSON array holding every TD, ordered by id. With a million TDs we
cannot build that array, so the planner looks at the parsed query (the ``jsonpath_rfc9535`` AST;
evaluation is always left to that library) and answers two questions:

* ``per_thing`` -- can the result be computed TD by TD and concatenated in id order? That holds
  when the first segment maps each array element independently of its position and of the other
  elements, and no filter looks at the root ``$`` (which would be the whole array).
* ``prefilter`` -- which indexed columns (id, title, @type) must a TD match to contribute
  anything? It is derived from equality tests in the first filter, only ever as a NECESSARY
  condition: stores fetch the candidates it admits and still run the exact query on each.

:func:`prefilter_matches` is the reference semantics of a :class:`Prefilter`; the SQL stores
implement the same predicate and are tested against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import jsonpath_rfc9535
import orjson
from jsonpath_rfc9535 import JSONPathError, JSONPathQuery, JSONValue
from jsonpath_rfc9535.filter_expressions import (
    ComparisonExpression,
    Expression,
    FilterExpression,
    FilterExpressionLiteral,
    FunctionExtension,
    LogicalExpression,
    PrefixExpression,
    RelativeFilterQuery,
    RootFilterQuery,
    StringLiteral,
)
from jsonpath_rfc9535.segments import (
    JSONPathChildSegment,
    JSONPathRecursiveDescentSegment,
    JSONPathSegment,
)
from jsonpath_rfc9535.selectors import (
    FilterSelector,
    JSONPathSelector,
    NameSelector,
    WildcardSelector,
)

from thingreg.core.errors import InvalidQuery
from thingreg.core.search.fastpath import Evaluator, compile_segments
from thingreg.core.search.jsonpath_cost import check_cost
from thingreg.core.search.predicate import FALSE, TRUE, Predicate
from thingreg.core.search.pushdown import filter_predicate

__all__ = ["JSONPathPlan", "Prefilter", "plan_jsonpath", "prefilter_matches"]

MAX_QUERY_LENGTH = 2048
"""Default cap on the query text: parsing is cheap, but not free, and queries come from URLs."""

_INDEXED_MEMBERS = ("id", "title", "@type")
"""TD members the stores index; equality tests on them become a prefilter."""


@dataclass(frozen=True, slots=True)
class Prefilter:
    """A necessary condition on indexed columns: rows failing it can't produce results.

    ``None`` leaves a column unconstrained; an empty set admits no TD at all (see
    :attr:`matches_nothing`), which stores should answer without touching the database.
    """

    ids: frozenset[str] | None = None
    """The TD's ``id`` member must be one of these."""
    titles: frozenset[str] | None = None
    """The TD's ``title`` member must be one of these."""
    types: frozenset[str] | None = None
    """The TD's ``@type`` (a string, or any string element of an array) must be one of these."""

    @property
    def scans_all(self) -> bool:
        """True when nothing is constrained: every TD is a candidate."""
        return self.ids is None and self.titles is None and self.types is None

    @property
    def matches_nothing(self) -> bool:
        """True when some column must lie in an empty set, so no TD can be a candidate."""
        return any(s is not None and not s for s in (self.ids, self.titles, self.types))


def prefilter_matches(prefilter: Prefilter, td: Mapping[str, object]) -> bool:
    """The reference semantics of a prefilter on one TD (the SQL stores must agree)."""
    if prefilter.ids is not None and not _is_one_of(td.get("id"), prefilter.ids):
        return False
    if prefilter.titles is not None and not _is_one_of(td.get("title"), prefilter.titles):
        return False
    if prefilter.types is not None:
        types = td.get("@type")
        elements = types if isinstance(types, list) else [types]
        if not any(_is_one_of(t, prefilter.types) for t in elements):
            return False
    return True


def _is_one_of(value: object, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


@dataclass(frozen=True, slots=True)
class JSONPathPlan:
    """How to answer one JSONPath query; build it with :func:`plan_jsonpath`."""

    query: str
    per_thing: bool
    """True: the result is the concatenation, over TDs in id order, of :meth:`evaluate_one`."""
    prefilter: Prefilter
    """Only meaningful when ``per_thing``; ``Prefilter()`` means scan every TD."""
    compiled: JSONPathQuery = field(repr=False, compare=False)
    """The library's parsed query: all evaluation is delegated to it."""
    required_texts: frozenset[str] = frozenset()
    """JSON texts (``"celsius"``, with quotes) that a TD's serialised form must contain to
    produce anything; only meaningful when ``per_thing``. See :func:`_required_texts`."""

    descendant_names: tuple[str, ...] = ()
    """For ``$..name<rest>`` plans: the names of the first segment, walked by
    :func:`_collect_named` instead of the library's much slower general traversal."""
    rest: JSONPathQuery | None = field(default=None, repr=False, compare=False)
    """The segments after the first, as a query applied to each node the walk found."""
    predicate: Predicate = TRUE
    """For ``$[?filter]...`` plans: a necessary condition of the filter on one TD, for the
    store to evaluate in the database (see :mod:`thingreg.core.search.pushdown`)."""
    whole_tds: bool = False
    """True for ``$[?filter]`` alone: each result is a whole enriched TD, so callers may send
    the stored bytes instead of re-serialising the parsed TD."""

    fast: Evaluator | None = field(default=None, repr=False, compare=False)
    """The query (or, for ``$..name`` plans, the segments after the first) compiled by
    :mod:`thingreg.core.search.fastpath`, when it has a simple enough shape."""

    def evaluate_one(self, td: dict[str, object]) -> list[object]:
        """Values of the nodes the query selects from ``[td]``, a one-TD directory."""
        if not self.descendant_names:
            if self.fast is not None:
                return self.fast([td])
            return self.compiled.find([td]).values()
        found: list[JSONValue] = []
        _collect_named(td, self.descendant_names, found, _MAX_DEPTH)
        if self.rest is None:
            return list[object](found)
        values: list[object] = []
        if self.fast is not None:
            for node in found:
                values.extend(self.fast(node))
            return values
        for node in found:
            values.extend(self.rest.find(node).values())
        return values

    def evaluate_all(self, tds: list[dict[str, object]]) -> list[object]:
        """Values of the nodes the query selects from ``tds`` (all TDs, by id): the fallback."""
        return self.compiled.find(tds).values()


def plan_jsonpath(query: str, *, max_length: int = MAX_QUERY_LENGTH) -> JSONPathPlan:
    """Parse ``query`` and decide how the stores can evaluate it.

    Raises :class:`InvalidQuery` when the query is empty, too long, not RFC 9535 JSONPath, or
    past a cost limit (see :mod:`thingreg.core.search.jsonpath_cost`).
    The legacy filter form ``$[?(@.title=='x')]`` of the WoT examples parses as it is.
    """
    compiled = _compile(query, max_length)
    check_cost(compiled)
    segments = compiled.segments
    if segments and _selects_nothing(segments[0]):
        # e.g. ``$.things``: a name selector finds nothing in the root array, whatever it holds.
        return JSONPathPlan(query, True, Prefilter(ids=frozenset()), compiled)
    if not _is_per_thing(segments):
        return JSONPathPlan(query, False, Prefilter(), compiled)
    texts = frozenset() if "registration" in query else _required_texts(segments)
    names: tuple[str, ...] = ()
    rest = None
    fast = compile_segments(segments)
    if isinstance(segments[0], JSONPathRecursiveDescentSegment):
        names = tuple(s.name for s in segments[0].selectors if isinstance(s, NameSelector))
        fast = compile_segments(segments[1:])
        if len(segments) > 1:
            rest = JSONPathQuery(env=compiled.env, segments=tuple(segments[1:]))
    predicate: Predicate = TRUE
    filters = [s for s in _positional_selectors(segments[0]) if isinstance(s, FilterSelector)]
    if filters:  # _is_per_thing allows one filter (or one wildcard) in the first segment
        predicate = filter_predicate(filters[0].expression)
    prefilter = _prefilter(segments[0])
    if predicate == FALSE:
        prefilter = Prefilter(ids=frozenset())
    whole = len(segments) == 1 and len(segments[0].selectors) == 1 and bool(filters)
    return JSONPathPlan(
        query, True, prefilter, compiled, texts, names, rest, predicate, whole, fast
    )


_MAX_DEPTH = 100
"""Nesting the descendant walk follows; deeper parts of a TD are not searched (the library
itself refuses them with an error)."""


def _collect_named(value: object, names: tuple[str, ...], out: list[JSONValue], depth: int) -> None:
    """Members called ``names`` of ``value`` and of every container below it, in the library's
    order: depth-first, pre-order, a node's own members before its descendants'."""
    if isinstance(value, dict):
        for name in names:
            if name in value:
                out.append(value[name])
        if depth:
            for child in value.values():
                if isinstance(child, dict | list):
                    _collect_named(child, names, out, depth - 1)
    elif isinstance(value, list) and depth:
        for child in value:
            if isinstance(child, dict | list):
                _collect_named(child, names, out, depth - 1)


def _compile(query: str, max_length: int) -> JSONPathQuery:
    if not query:
        raise InvalidQuery("the JSONPath query is empty")
    if len(query) > max_length:
        raise InvalidQuery(f"the JSONPath query is longer than {max_length} characters")
    try:
        return jsonpath_rfc9535.compile(query)
    except JSONPathError as err:
        raise InvalidQuery(f"invalid JSONPath query: {_one_line(str(err))}") from err
    except RecursionError as err:  # the parser recurses once per nested parenthesis
        raise InvalidQuery("invalid JSONPath query: nested too deeply") from err


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _positional_selectors(segment: JSONPathSegment) -> list[JSONPathSelector]:
    """The selectors that can select anything from the root array: names cannot."""
    return [s for s in segment.selectors if not isinstance(s, NameSelector)]


def _selects_nothing(first: JSONPathSegment) -> bool:
    return isinstance(first, JSONPathChildSegment) and not _positional_selectors(first)


def _is_per_thing(segments: Sequence[JSONPathSegment]) -> bool:
    """Whether evaluating on each ``[td]`` and concatenating equals evaluating on the array.

    Every segment after the first maps each input node independently and in order, so only the
    first segment and root references matter. A child segment must hold ONE selector that treats
    elements alike (``*`` or a filter): two selectors would interleave, e.g. ``$[*, *]`` gives
    t0 t1 t0 t1 while per TD gives t0 t0 t1 t1. A descendant segment first applies its selectors
    to the root array itself, so it qualifies only with name selectors, which select nothing there.
    """
    if not segments or any(_segment_references_root(s) for s in segments):
        return False
    first = segments[0]
    positional = _positional_selectors(first)
    if isinstance(first, JSONPathRecursiveDescentSegment):
        return not positional
    if isinstance(first, JSONPathChildSegment) and len(positional) == 1:
        return isinstance(positional[0], WildcardSelector | FilterSelector)
    return False


def _segment_references_root(segment: JSONPathSegment) -> bool:
    return any(
        isinstance(s, FilterSelector) and _references_root(s.expression) for s in segment.selectors
    )


def _references_root(expr: Expression) -> bool:
    """Whether the filter expression reads ``$`` anywhere, including in nested queries."""
    if isinstance(expr, RootFilterQuery):
        return True
    if isinstance(expr, RelativeFilterQuery):
        return any(_segment_references_root(s) for s in expr.query.segments)
    if isinstance(expr, FilterExpression):
        return _references_root(expr.expression)
    if isinstance(expr, LogicalExpression | ComparisonExpression):
        return _references_root(expr.left) or _references_root(expr.right)
    if isinstance(expr, PrefixExpression):
        return _references_root(expr.right)
    if isinstance(expr, FunctionExtension):
        return any(_references_root(arg) for arg in expr.args)
    # A node kind from a newer library version: assume the worst, which only costs speed.
    return not isinstance(expr, FilterExpressionLiteral)


Constraints = dict[str, frozenset[str]]
"""Indexed member name -> the values it must equal for a filter to hold."""


def _prefilter(first: JSONPathSegment) -> Prefilter:
    filters = [s for s in _positional_selectors(first) if isinstance(s, FilterSelector)]
    if len(filters) != 1:
        return Prefilter()
    found = _constraints(filters[0].expression.expression)
    return Prefilter(ids=found.get("id"), titles=found.get("title"), types=found.get("@type"))


def _constraints(expr: Expression) -> Constraints:
    """Necessary conditions of ``expr`` on indexed members; ``{}`` when nothing is known.

    Every condition we derive is an exact equality ``member == 'string'``, so the member holds a
    single string: ``&&`` may intersect the sets and ``||`` may unite them when both sides
    constrain the same member. (A "contains" condition on an @type array could not be intersected.)
    """
    if isinstance(expr, ComparisonExpression) and expr.operator == "==":
        return _member_equals(expr.left, expr.right) or _member_equals(expr.right, expr.left)
    if isinstance(expr, LogicalExpression) and expr.operator in ("&&", "||"):
        left, right = _constraints(expr.left), _constraints(expr.right)
        if expr.operator == "||":
            return {m: left[m] | right[m] for m in left.keys() & right.keys()}
        both = dict(left)
        for member, values in right.items():
            both[member] = both[member] & values if member in both else values
        return both
    return {}


def _member_equals(query: Expression, literal: Expression) -> Constraints:
    """``{'title': {'x'}}`` for ``@.title == 'x'`` (or ``@['title']``); else ``{}``."""
    if not (isinstance(query, RelativeFilterQuery) and isinstance(literal, StringLiteral)):
        return {}
    segments = query.query.segments
    if len(segments) != 1 or not isinstance(segments[0], JSONPathChildSegment):
        return {}
    selectors = segments[0].selectors
    if len(selectors) != 1 or not isinstance(selectors[0], NameSelector):
        return {}
    name = selectors[0].name
    return {name: frozenset([literal.value])} if name in _INDEXED_MEMBERS else {}


def _required_texts(segments: Sequence[JSONPathSegment]) -> frozenset[str]:
    """JSON-encoded string literals that any TD producing a result must contain.

    A segment whose only selector is a filter passes on nothing unless the filter holds for some
    node; if the filter requires ``@.<path> == 'literal'``, the literal is a value somewhere in
    the TD, so its JSON encoding occurs in the TD's JSON text. Stores use this to skip TDs with a
    substring test before parsing them. Members the store keeps outside the TD text
    (``registration``) are excluded by the caller.
    """
    texts: set[str] = set()
    for segment in segments:
        selectors = segment.selectors
        if len(selectors) == 1 and isinstance(selectors[0], FilterSelector):
            texts |= _literal_texts(selectors[0].expression.expression)
    return frozenset(texts)


def _literal_texts(expr: Expression) -> set[str]:
    """Texts required by ``expr``: all of both sides of ``&&``, those common to ``||``."""
    if isinstance(expr, ComparisonExpression) and expr.operator == "==":
        for query, literal in ((expr.left, expr.right), (expr.right, expr.left)):
            if (
                isinstance(query, RelativeFilterQuery)
                and isinstance(literal, StringLiteral)
                and query.query.singular_query()
            ):
                return {orjson.dumps(literal.value).decode()}
        return set()
    if isinstance(expr, LogicalExpression) and expr.operator == "&&":
        return _literal_texts(expr.left) | _literal_texts(expr.right)
    if isinstance(expr, LogicalExpression) and expr.operator == "||":
        return _literal_texts(expr.left) & _literal_texts(expr.right)
    return set()
