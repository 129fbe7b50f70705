"""The README's CoAP walk-through, run as written (aiocoap-client and curl) against a real
server whose CoAP and HTTP ports replace the defaults."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import start_server, stop_server

README = Path(__file__).resolve().parents[3] / "README.md"


def walkthrough() -> str:
    text = README.read_text("utf-8")
    start = text.index("<!-- coap-walkthrough")
    end = text.index("<!-- /coap-walkthrough -->")
    block = text[start:end]
    return block[block.index("```sh\n") + len("```sh\n") : block.rindex("```")]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_coap_walkthrough_works_as_written(tmp_path: Path) -> None:
    port = free_udp_port()
    server = start_server(tmp_path, THINGREG_COAP_PORT=str(port), THINGREG_COAP_RD="on")
    try:
        script = (
            walkthrough()
            .replace("coap://127.0.0.1:5683", f"coap://127.0.0.1:{port}")
            .replace("http://127.0.0.1:8080", server.url)
        )
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        stop_server(server)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert 'rt="wot.directory"' in out and 'rt="core.rd"' in out
    assert "/reg/urn:thingreg:rd:lab:sensor-7" in out  # the registration's location
    assert '"id":"urn:thingreg:rd:lab:sensor-7"' in out and '"ttl":120' in out
    assert 'ep="sensor-7";d="lab"' in out  # endpoint lookup
    assert "coap://127.0.0.1:" in out and "/temp>" in out  # resource lookup, absolute
    assert out.rstrip().endswith("404")  # gone after DELETE
