"""Which JSONPath filters become which database predicates (the necessary bound)."""

from __future__ import annotations

import pytest

from thingreg.core.search.jsonpath import plan_jsonpath
from thingreg.core.search.predicate import (
    FALSE,
    TRUE,
    All,
    Any_,
    Contains,
    Equals,
    Exists,
    HasElement,
    Not,
    NumberBetween,
    Predicate,
    StringCompare,
    holds,
)


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("$[?@.title == 'x']", Equals(("title",), "x")),
        ("$[?'x' == @['title']]", Equals(("title",), "x")),
        ("$[?@.a.b != null]", Not(Equals(("a", "b"), None))),
        ("$[?@.a == true && @.b]", All((Equals(("a",), True), Exists(("b",))))),
        (
            "$[?@.a < 'm' || 'm' < @.a]",
            Any_((StringCompare(("a",), "<", "m"), StringCompare(("a",), ">", "m"))),
        ),
        ("$[?@.a < true]", FALSE),
        ("$[?@.a >= null]", Equals(("a",), None)),
        ("$[?match(@.a, 'plain text')]", Equals(("a",), "plain text")),
        ("$[?search(@.a, 'sub')]", Contains(("a",), "sub")),
        ("$[?search(@.a, 's.b')]", TRUE),
        ("$[?@['@type'][?@ == 'T']]", HasElement(("@type",), "T")),
        ("$[?@.registration.created]", TRUE),
        ("$[?@.a == @.b]", TRUE),
        ("$[?length(@.a) == 1]", TRUE),
        ("$[?!(@.a == 1)]", TRUE),  # numbers are only bounded from outside
        ("$[?!(@.a != 'x')]", Equals(("a",), "x")),
        ("$[*]", TRUE),
        ("$..forms[?@.op == 'x']", TRUE),
    ],
)
def test_filters_become_predicates(query: str, predicate: Predicate) -> None:
    assert plan_jsonpath(query).predicate == predicate


def test_numbers_are_bounded_with_a_margin() -> None:
    predicate = plan_jsonpath("$[?@.a == 0.1]").predicate
    assert isinstance(predicate, NumberBetween)
    assert predicate.low is not None and predicate.high is not None
    assert predicate.low < 0.1 < predicate.high
    assert holds(predicate, {"a": 0.1}) and holds(predicate, {"a": 0.1000000000000000055})
    assert not holds(predicate, {"a": True}) and not holds(predicate, {"a": "0.1"})


def test_an_impossible_filter_reads_nothing() -> None:
    assert plan_jsonpath("$[?@.a < null]").prefilter.matches_nothing


def test_reference_semantics_are_type_strict() -> None:
    assert holds(Equals(("a",), None), {"a": None})
    assert not holds(Equals(("a",), None), {})
    assert not holds(Equals(("a",), True), {"a": 1})
    assert not holds(Exists(("a", "b")), {"a": [{"b": 1}]})
    assert holds(HasElement(("a",), "x"), {"a": {"k": "x"}})
    assert not holds(HasElement(("a",), "x"), {"a": "x"})
    assert holds(StringCompare(("a",), ">", "\uffff"), {"a": "\U0001f600"})
