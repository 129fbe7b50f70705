"""How many Thing Descriptions per second ``validate_td`` checks, next to generic ``jsonschema``.

Run ``python -m bench.validation``. The TDs are a few of the test corpus's realistic ones and a
population from :mod:`bench.tdgen` (1-5 KB each); ``jsonschema`` runs the official TD 1.1
schema when the shared reference folder is beside the repository. Prints, asserts nothing.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.tdgen import make_td
from thingreg.core.td.validation import validate_td

try:
    import jsonschema
except ImportError:  # a dev dependency; without it, only thingreg is measured
    jsonschema = None

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILE = ROOT / "tests" / "core" / "td" / "corpus.py"
TD_SCHEMA = ROOT.parent / "shared" / "spec" / "td-1.1-json-schema.json"
CORPUS_TDS = ("lamp", "data-schemas", "mixed-context", "links-and-forms", "enriched-expirable")


def _corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("thingreg_bench_td_corpus", CORPUS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _rate(check: Callable[[Any], object], tds: list[Any], seconds: float) -> float:
    """TDs per second over repeated passes of ``tds`` lasting about ``seconds``."""
    done = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for td in tds:
            check(td)
        done += len(tds)
        elapsed = time.perf_counter() - start
    return done / elapsed


def _jsonschema_check() -> Callable[[Any], object] | None:
    if jsonschema is None or not TD_SCHEMA.is_file():
        return None
    schema = json.loads(TD_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return lambda td: list(validator.iter_errors(td))


def main() -> None:
    corpus_tds = [_corpus().valid_tds()[name] for name in CORPUS_TDS]
    rng = random.Random(1)
    generated = [make_td(i, rng) for i in range(200)]
    schema_check = _jsonschema_check()
    for label, tds in (("corpus TDs", corpus_tds), ("generated TDs", generated)):
        sizes = [len(json.dumps(td)) for td in tds]
        invalid = sum(1 for td in tds if validate_td(td))
        ours = _rate(validate_td, tds, 1.0)
        line = (
            f"{label}: {len(tds)} TDs of {min(sizes)}-{max(sizes)} bytes ({invalid} invalid)\n"
            f"  thingreg validate_td: {ours:>10,.0f} TDs/s ({1e6 / ours:.1f} µs per TD)"
        )
        if schema_check is not None:
            theirs = _rate(schema_check, tds, 1.0)
            line += f"\n  jsonschema Draft7:    {theirs:>10,.0f} TDs/s  (x{ours / theirs:.0f})"
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
