"""A direct evaluator for the common shapes of JSONPath query, faster than the general one.

``jsonpath_rfc9535`` builds a node (value and location) per visited value and evaluates
filters through a tree of expression objects; searches only need the values. Segments made of
one name, one wildcard, or one filter whose meaning is exactly a predicate
(:func:`~thingreg.core.search.pushdown.exact_predicate`) are compiled here into a small list of
steps over plain values; any other query is left to the library. The differential search test
checks the two against each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jsonpath_rfc9535.segments import JSONPathChildSegment, JSONPathSegment
from jsonpath_rfc9535.selectors import FilterSelector, NameSelector, WildcardSelector

from thingreg.core.search.predicate import Predicate, holds
from thingreg.core.search.pushdown import exact_predicate

__all__ = ["Evaluator", "compile_segments"]

Evaluator = Callable[[object], list[object]]
"""The values a compiled query selects from one value, in the library's order."""

_Step = Callable[[list[object]], list[object]]


def compile_segments(segments: Sequence[JSONPathSegment]) -> Evaluator | None:
    """The segments as an :data:`Evaluator`, or ``None`` when some segment is not simple."""
    steps: list[_Step] = []
    for segment in segments:
        selectors = segment.selectors
        if not isinstance(segment, JSONPathChildSegment) or len(selectors) != 1:
            return None
        selector = selectors[0]
        if isinstance(selector, NameSelector):
            steps.append(_member(selector.name))
        elif isinstance(selector, WildcardSelector):
            steps.append(_every)
        elif isinstance(selector, FilterSelector):
            predicate = exact_predicate(selector.expression)
            if predicate is None:
                return None
            steps.append(_filter(predicate))
        else:
            return None

    def evaluate(value: object) -> list[object]:
        nodes = [value]
        for step in steps:
            nodes = step(nodes)
        return nodes

    return evaluate


def _children(node: object) -> list[object]:
    if isinstance(node, dict):
        return list(node.values())
    return node if isinstance(node, list) else []


def _member(name: str) -> _Step:
    def step(nodes: list[object]) -> list[object]:
        return [node[name] for node in nodes if isinstance(node, dict) and name in node]

    return step


def _every(nodes: list[object]) -> list[object]:
    return [child for node in nodes for child in _children(node)]


def _filter(predicate: Predicate) -> _Step:
    def step(nodes: list[object]) -> list[object]:
        return [child for node in nodes for child in _children(node) if holds(predicate, child)]

    return step
