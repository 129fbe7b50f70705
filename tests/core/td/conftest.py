"""Gives the TD validator's tests the corpus in ``corpus.py``, whatever pytest's import mode.

The corpus is loaded from its file under a private module name (no ``sys.path`` games), then
offered as the ``corpus`` fixture; tests that take a ``corpus_case`` run once per case.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_MODULE_NAME = "thingreg_tests_td_corpus"


def _load_corpus() -> ModuleType:
    loaded = sys.modules.get(_MODULE_NAME)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(
        _MODULE_NAME, Path(__file__).with_name("corpus.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def corpus() -> ModuleType:
    return _load_corpus()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "corpus_case" in metafunc.fixturenames:
        cases: list[tuple[str, Any, bool | None]] = _load_corpus().all_cases()
        ids = [f"{index}-{name[:60]}" for index, (name, _, _) in enumerate(cases)]
        metafunc.parametrize("corpus_case", cases, ids=ids)
