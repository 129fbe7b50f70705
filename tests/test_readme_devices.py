"""The README's "Devices: keys and tokens" walk-through, run as written against a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import start_server, stop_server

README = Path(__file__).resolve().parents[1] / "README.md"
DEFAULT_URL = "http://127.0.0.1:8080"


def walkthrough() -> str:
    text = README.read_text("utf-8")
    start = text.index("<!-- device-walkthrough")
    end = text.index("<!-- /device-walkthrough -->")
    block = text[start:end]
    return block[block.index("```sh\n") + len("```sh\n") : block.rindex("```")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_walkthrough_works_as_written(tmp_path: Path) -> None:
    data = tmp_path / "registry" / "thingreg-data"
    server = start_server(data)
    try:
        script = walkthrough().replace(DEFAULT_URL, server.url)
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "THINGREG_URL": server.url,  # the commands that rely on the default URL
            "THINGREG_DATA_DIR": str(data),  # `thingreg keys` runs "on the registry's machine"
        }
        workdir = tmp_path / "device"
        workdir.mkdir()
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=workdir,
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
    assert out.count('"active":true') == 1 and out.count('"active":false') == 1
    assert "refused, as expected" in out
    assert "401 Unauthorized: authentication failed" in result.stderr
    assert '"state":"revoked"' in out
    assert out.count('"access_token"') == 1  # the --json answer
    assert "signing" in out and "retired" in out  # keys list, then keys rotate
    assert (workdir / "lamp-key.pem").stat().st_mode & 0o777 == 0o600
