"""The README's fleet walk-throughs ("Onboard a fleet of 1,000 devices and authenticate one",
and X.509 first contact), run exactly as written against a real server."""

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


def block(name: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"<!-- {name}")
    end = text.index(f"<!-- /{name} -->")
    found = text[start:end]
    return found[found.index("```sh\n") + len("```sh\n") : found.rindex("```")]


def run(name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run one walk-through in a fresh directory against a fresh server."""
    server = start_server(tmp_path / "registry" / "thingreg-data")
    try:
        script = block(name).replace(DEFAULT_URL, server.url)
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "THINGREG_URL": server.url,
        }
        workdir = tmp_path / "work"
        workdir.mkdir()
        # The walk-through reads the administrator key where `thingreg serve` leaves it.
        (workdir / "thingreg-data").symlink_to(server.data_dir)
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        stop_server(server)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_fleet_walkthrough_works_as_written(tmp_path: Path) -> None:
    result = run("fleet-walkthrough", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert '"kind":"file"' in out  # the group
    assert "1000 keys in fleet" in out
    assert "urn:dev:ops:32473-sensor-0001,did:key:z" in out
    assert "1000 accepted (1000 created, 0 unchanged), 0 rejected" in out
    assert "1000 accepted (0 created, 1000 unchanged), 0 rejected" in out
    assert '"sub": "urn:dev:ops:32473-sensor-0042"' in out  # the offline verification
    assert len(list((tmp_path / "work" / "fleet").iterdir())) == 1000


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("curl", "jq", "openssl")),
    reason="the walk-through uses curl, jq and openssl",
)
def test_x509_walkthrough_works_as_written(tmp_path: Path) -> None:
    result = run("x509-walkthrough", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert '"kind":"x509"' in out
    assert '"thing": "urn:dev:ops:32473-meter-M-0001"' in out  # first contact: a token
    assert '"type":"x509"' in out and '"group":"meters"' in out  # the bound certificate
    assert '"enabled":false' in out
    assert "blocked, as expected" in out
    assert "401 Unauthorized: authentication failed" in result.stderr
