"""The benchmark's generator makes valid, varied, deterministic Thing Descriptions."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import orjson
import pytest

from bench.tdgen import MAX_SIZE, MIN_SIZE, make_td
from thingreg.core.td.validation import validate_td

COUNT = 2000

TDs = list[dict[str, Any]]


def population(seed: int, count: int = COUNT) -> TDs:
    rng = random.Random(seed)
    tds: TDs = [make_td(i, rng) for i in range(count)]
    return tds


@pytest.fixture(scope="module")
def tds() -> TDs:
    return population(7)


def test_every_td_is_valid(tds: TDs) -> None:
    for td in tds:
        assert validate_td(td) == [], td["id"]


def test_sizes_are_between_1_and_5_kb(tds: TDs) -> None:
    sizes = [len(orjson.dumps(td)) for td in tds]
    assert min(sizes) >= MIN_SIZE and max(sizes) <= MAX_SIZE
    assert MIN_SIZE == 1024 and MAX_SIZE == 5 * 1024


def test_ids_are_unique_across_schemes(tds: TDs) -> None:
    ids = [str(td["id"]) for td in tds]
    assert len(set(ids)) == len(ids)
    prefixes = Counter(
        next(
            p
            for p in ("urn:uuid:", "urn:dev:mac:", "urn:dev:ops:", "urn:epc:", "https:")
            if i.startswith(p)
        )
        for i in ids
    )
    assert len(prefixes) == 5
    assert any("/" in i.removeprefix("https://") for i in ids)


def test_same_seed_same_tds_other_seed_other_tds(tds: TDs) -> None:
    again = population(7, 50)
    assert orjson.dumps(again) == orjson.dumps(tds[:50])
    assert orjson.dumps(population(8, 50)) != orjson.dumps(again)


def test_population_is_varied(tds: TDs) -> None:
    text = orjson.dumps(tds).decode()
    for needle in ('"saref":"https://saref.etsi.org/core/"', "coap://", "mqtt://", '"base":'):
        assert needle in text
    schemes = Counter(
        scheme["scheme"] for td in tds for scheme in td["securityDefinitions"].values()
    )
    assert set(schemes) == {"nosec", "basic", "bearer", "psk"}
    titles = Counter(td["title"] for td in tds)
    assert sum(n == 1 for n in titles.values()) > 0.9 * COUNT  # mostly unique
    assert max(titles.values()) > 1  # some shared
    types = Counter(orjson.dumps(td.get("@type")) for td in tds)
    assert 0 < types[b'"saref:SmokeSensor"'] < 0.03 * COUNT  # rare: the selective query's target
