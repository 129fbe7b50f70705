"""``thingreg validate``: valid, invalid and unreadable files; text and ``--json``."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.support import minimal_td
from thingreg.cli.main import main


def test_valid_invalid_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(orjson.dumps(minimal_td()))
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"title": "no security"}))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: valid\n"
    assert main(["validate", str(good), str(bad), str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: (root): security is required" in out
    assert f"{broken}: (file): not valid JSON" in out
    assert main(["validate", str(good), str(bad), "--json"]) == 1
    results = orjson.loads(capsys.readouterr().out)
    assert [(r["file"], r["valid"]) for r in results] == [(str(good), True), (str(bad), False)]
    assert {"field": "(root)", "description": "security is required"} in results[1]["errors"]


def test_unreadable_file_is_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("thingreg: error: ") and err.count("\n") == 1
