"""The README's "Semantic discovery with SAREF" walk-through, run as written on a real server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.support import start_server, stop_server

README = Path(__file__).resolve().parents[1] / "README.md"
DEFAULT_URL = "http://127.0.0.1:8080"


def walkthrough() -> str:
    text = README.read_text("utf-8")
    start = text.index("<!-- saref-walkthrough")
    end = text.index("<!-- /saref-walkthrough -->")
    block = text[start:end]
    return block[block.index("```sh\n") + len("```sh\n") : block.rindex("```")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_walkthrough_works_as_written(tmp_path: Path) -> None:
    server = start_server(tmp_path / "thingreg-data")
    try:
        # One line of output per curl: each answer is one JSON document (or empty).
        script = walkthrough().replace(DEFAULT_URL, server.url).replace("curl -s", "curl -sw '\\n'")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )
    finally:
        stop_server(server)
    assert result.returncode == 0, result.stdout + result.stderr
    answers = [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]
    sensors, devices, sensing, measuring, states, actuators, unknown = answers

    def ids(tds: list[dict[str, object]]) -> list[object]:
        return [td["id"] for td in tds]

    assert ids(sensors) == ["urn:example:thermo-1"]
    assert devices["total"] == 2
    assert ids(devices["members"]) == ["urn:example:switch-1", "urn:example:thermo-1"]
    assert ids(sensing) == ["urn:example:thermo-1"]
    assert ids(measuring) == ["urn:example:thermo-1"]
    assert ids(states) == ["urn:example:switch-1"]
    assert actuators == ["Hall switch"]
    assert unknown["status"] == 400
    assert "saref:Sensors" in unknown["detail"]
