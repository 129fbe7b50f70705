"""The README's MQTT walk-through, run as written against a real broker and a real server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integrations.mqtt.broker import ADMIN, ADMIN_PASSWORD, Mosquitto, require_mosquitto
from tests.support import start_server, stop_server

README = Path(__file__).resolve().parents[3] / "README.md"
README_REGISTRY = "127.0.0.1:8080"
README_BROKER_PORT = "1884"


def walkthrough() -> str:
    text = README.read_text("utf-8")
    block = text[text.index("<!-- mqtt-walkthrough") : text.index("<!-- /mqtt-walkthrough -->")]
    return block[block.index("```sh\n") + len("```sh\n") : block.rindex("```")]


def test_walkthrough_works_as_written(tmp_path: Path) -> None:
    plugin = require_mosquitto()
    missing = [tool for tool in ("curl", "jq", "mosquitto_pub") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the walk-through uses {', '.join(missing)}")
    broker = Mosquitto(tmp_path / "broker", plugin)
    broker.folder.mkdir()
    broker.prepare()
    broker.start()
    server = start_server(
        tmp_path / "thingreg-data",  # where the walk-through reads the administrator key
        THINGREG_MQTT_URL=broker.url,
        THINGREG_MQTT_ADMIN_USERNAME=ADMIN,
        THINGREG_MQTT_ADMIN_PASSWORD=ADMIN_PASSWORD,
        THINGREG_MQTT_SECRET="the walk-through's secret",
    )
    try:
        script = (
            walkthrough()
            .replace(README_REGISTRY, server.url.removeprefix("http://"))
            .replace(f"-p {README_BROKER_PORT}", f"-p {broker.port}")
            .replace(f"127.0.0.1:{README_BROKER_PORT}", f"127.0.0.1:{broker.port}")
        )
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        stop_server(server)
        broker.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    out, err = result.stdout, result.stderr
    assert '"lamp-3/on"' in out  # jq .topics
    assert err.count("Publish 1 failed: Not authorized") == 1  # only the forged one
    assert "disconnected by the broker" in out
    assert "refused, as expected" in out and "Connection error: Not authorized" in err
    assert '"state":"revoked"' in out and out.rstrip().endswith("}")
    assert '"state":"active"' in out.splitlines()[-1]
    log = broker.log()
    assert "been disconnected by administrative action" in log
    assert log.count("Received PUBLISH from thingreg-urn:example:lamp-3-") >= 3
