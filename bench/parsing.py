"""Identifier parsing and normalisation throughput: ``analyse()`` per scheme and notation.

Two measurements, both in this one thread (no server runs meanwhile):

* :func:`bench_input_rates`: every scheme module's ``BENCH_INPUTS``, each text analysed
  ``iterations`` times in a row, ``repeat`` times; the median run gives ids/s. The same text
  over and over keeps the scheme modules' small caches (GS1 prefix lengths, AI rules) warm.
* :func:`generated_rates`: identifiers from :mod:`bench.aliases`, every text analysed once, so
  nothing is cached for the text at hand; grouped by scheme and notation, split into ``repeat``
  chunks, the median chunk gives ids/s. Each result is checked afterwards.

:func:`scheme_rates` sums the first per scheme (of the first reading): the rate over one of each
of its inputs. :data:`TARGET` is the issue's figure for the common schemes.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import timeit
from collections import defaultdict
from functools import partial
from typing import Any

from bench.aliases import check_notation, make_aliases
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.catalogue import FAMILIES

TARGET = 100_000
"""ids/s, one core, for the common schemes."""


def bench_input_rates(iterations: int, repeat: int) -> list[dict[str, Any]]:
    """ids/s of each module's ``BENCH_INPUTS``, with the scheme and notation read."""
    rows: list[dict[str, Any]] = []
    for _, module in FAMILIES:
        name = module.__name__.rsplit(".", 1)[1]
        for text in module.BENCH_INPUTS:
            readings = analyse(text).readings
            timer = timeit.Timer(partial(analyse, text))  # the garbage collector is off
            seconds = statistics.median(timer.repeat(repeat, iterations))
            rows.append(
                {
                    "module": name,
                    "input": text,
                    "scheme": readings[0].scheme,
                    "notation": readings[0].notation,
                    "readings": len(readings),
                    "seconds": round(seconds, 4),
                    "iterations": iterations,
                    "ids_per_second": round(iterations / seconds),
                }
            )
    return rows


def scheme_rates(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per scheme of the first reading: ids/s over one of each of its inputs, and the slowest."""
    schemes: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = schemes.setdefault(
            row["scheme"], {"inputs": 0, "iterations": 0, "seconds": 0.0, "slowest": row}
        )
        entry["inputs"] += 1
        entry["iterations"] += row["iterations"]
        entry["seconds"] += row["seconds"]
        if row["ids_per_second"] < entry["slowest"]["ids_per_second"]:
            entry["slowest"] = row
    return {
        scheme: {
            "inputs": entry["inputs"],
            "ids_per_second": round(entry["iterations"] / entry["seconds"]),
            "slowest_input": entry["slowest"]["input"],
            "slowest_ids_per_second": entry["slowest"]["ids_per_second"],
        }
        for scheme, entry in schemes.items()
    }


def generated_rates(things: int, seed: int, repeat: int) -> list[dict[str, Any]]:
    """ids/s per (scheme, notation) over distinct generated identifiers, each analysed once."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for i in range(things):
        for alias in make_aliases(i, rng, check=False):
            for label, text in alias.notations:
                groups[alias.scheme, label].append((text, alias.canonical))
    rows: list[dict[str, Any]] = []
    for (scheme, label), items in sorted(groups.items()):
        texts = [text for text, _ in items]
        size = max(1, len(texts) // repeat)
        rates = [_once(texts[k : k + size]) for k in range(0, size * repeat, size)]
        rates = [rate for rate in rates if rate > 0]
        for text, canonical in items:
            check_notation(text, scheme, canonical)
        rows.append(
            {
                "scheme": scheme,
                "notation": label,
                "example": texts[0],
                "inputs": len(texts),
                "ids_per_second": round(statistics.median(rates)),
            }
        )
    return rows


def _once(texts: list[str]) -> float:
    """ids/s analysing each text once, with the garbage collector off as ``timeit`` does."""
    if not texts:
        return 0.0
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for text in texts:
            analyse(text)
        seconds = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return len(texts) / seconds


def measure(iterations: int, repeat: int, things: int, seed: int) -> dict[str, Any]:
    """Both measurements, as the report's ``parse`` part."""
    rows = bench_input_rates(iterations, repeat)
    return {
        "iterations": iterations,
        "repeat": repeat,
        "target_ids_per_second": TARGET,
        "inputs": rows,
        "schemes": scheme_rates(rows),
        "generated_things": things,
        "generated": generated_rates(things, seed, repeat),
    }
