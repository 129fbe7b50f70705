"""Helpers for tests: a real server in a subprocess, and small TDs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

SHARED_SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "spec"


READY_WITHIN = 60
"""Seconds a starting server may take: generous, as a loaded CI machine starts slowly."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path


def start_server(data_dir: Path, **env: str) -> LiveServer:
    """``thingreg serve`` in a subprocess on a free loopback port, waited for until ready."""
    port = free_port()
    environ = {
        **os.environ,
        "THINGREG_PURGE_INTERVAL": "0.5",
        "THINGREG_API_TOKEN": "test-admin-token",
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "thingreg",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ],
        env=environ,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"thingreg serve exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, data_dir)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"thingreg serve did not become ready in {READY_WITHIN} s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def minimal_td(thing_id: str | None = "urn:example:thing-1", **extra: object) -> dict[str, object]:
    td: dict[str, object] = {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        "title": "Thing One",
        "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
        "security": "nosec_sc",
    }
    if thing_id is not None:
        td["id"] = thing_id
    td.update(extra)
    return td


def make_public(base_url: str, thing_id: str, token: str = "test-admin-token") -> None:
    """Let anyone see a thing (new things are visible to their owner only)."""
    response = httpx.put(
        f"{base_url}/things/{quote(thing_id, safe='')}/access",
        json={"visibility": "public"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
