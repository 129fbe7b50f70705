"""Bounding what one JSONPath query may cost, before it runs.

Evaluation time grows with the TD's size times its depth for every descendant segment (``..``)
and multiplies with every filter nested in another, so a short query can take seconds per TD
(``$..*..*..*..*`` took 7.5 s over 300 small TDs). The planner refuses queries past the limits
below with :class:`InvalidQuery` (400); what remains costs at most about as much as reading the
TDs it returns. The limits count the whole query, including the queries inside filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jsonpath_rfc9535 import JSONPathQuery
from jsonpath_rfc9535.filter_expressions import (
    ComparisonExpression,
    Expression,
    FilterExpression,
    FunctionExtension,
    LogicalExpression,
    PrefixExpression,
    RelativeFilterQuery,
    RootFilterQuery,
)
from jsonpath_rfc9535.segments import JSONPathRecursiveDescentSegment
from jsonpath_rfc9535.selectors import FilterSelector

from thingreg.core.errors import InvalidQuery

MAX_DESCENDANT_SEGMENTS = 2
"""Descendant segments (``..``) in a query, all filters included."""
MAX_FILTER_NESTING = 3
"""Filters (``[?...]``) inside one another."""


@dataclass(slots=True)
class _Cost:
    descendants: int = 0
    deepest_filter: int = 0


def check_cost(query: JSONPathQuery) -> None:
    """Raise :class:`InvalidQuery` when ``query`` exceeds a cost limit."""
    cost = _Cost()
    _walk_query(query, 0, cost)
    if cost.descendants > MAX_DESCENDANT_SEGMENTS:
        raise InvalidQuery(
            f"the JSONPath query has {cost.descendants} descendant segments (..); "
            f"at most {MAX_DESCENDANT_SEGMENTS} are allowed"
        )
    if cost.deepest_filter > MAX_FILTER_NESTING:
        raise InvalidQuery(
            f"the JSONPath query nests filters {cost.deepest_filter} deep; "
            f"at most {MAX_FILTER_NESTING} are allowed"
        )


def _walk_query(query: JSONPathQuery, filters: int, cost: _Cost) -> None:
    for segment in query.segments:
        if isinstance(segment, JSONPathRecursiveDescentSegment):
            cost.descendants += 1
        for selector in segment.selectors:
            if isinstance(selector, FilterSelector):
                cost.deepest_filter = max(cost.deepest_filter, filters + 1)
                _walk_expressions([selector.expression], filters + 1, cost)


def _walk_expressions(todo: Iterable[Expression], filters: int, cost: _Cost) -> None:
    stack = list(todo)
    while stack:
        expr = stack.pop()
        if isinstance(expr, RelativeFilterQuery | RootFilterQuery):
            _walk_query(expr.query, filters, cost)
        elif isinstance(expr, FilterExpression):
            stack.append(expr.expression)
        elif isinstance(expr, LogicalExpression | ComparisonExpression):
            stack += (expr.left, expr.right)
        elif isinstance(expr, PrefixExpression):
            stack.append(expr.right)
        elif isinstance(expr, FunctionExtension):
            stack += expr.args
