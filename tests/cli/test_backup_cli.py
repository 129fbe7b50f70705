"""``thingreg backup``: a copy taken while the server writes restores every acknowledged write."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conftest import ADMIN
from tests.support import minimal_td, start_server, stop_server
from thingreg.cli.main import main

TD_JSON = {"Content-Type": "application/td+json"}


def _put(url: str, n: int) -> int:
    td = minimal_td(f"urn:example:backup-{n}", title=f"Thing {n}")
    return httpx.put(
        f"{url}/things/{quote(str(td['id']), safe='')}",
        content=orjson.dumps(td),
        headers={**TD_JSON, **ADMIN},
    ).status_code


def _ids(url: str) -> list[str]:
    listing = httpx.get(f"{url}/things", params={"limit": 1000}, headers=ADMIN).json()
    return sorted(td["id"] for td in listing)


def test_backup_of_a_live_server_restores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(tmp_path / "live")
    copy = tmp_path / "copy.db"
    try:
        for n in range(50):
            assert _put(server.url, n) == 201
        acknowledged_before = _ids(server.url)
        stop = threading.Event()

        def keep_writing() -> None:
            n = 1000
            while not stop.is_set():
                _put(server.url, n)
                n += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            assert main(["backup", str(copy), "--data-dir", str(tmp_path / "live")]) == 0
        finally:
            stop.set()
            writer.join()
    finally:
        stop_server(server)
    assert "wrote" in capsys.readouterr().out

    restored = start_server(tmp_path / "restored", THINGREG_DB=f"sqlite:///{copy}")
    try:
        ids = _ids(restored.url)
        assert set(acknowledged_before) <= set(ids)
        got = httpx.get(
            f"{restored.url}/things/{quote('urn:example:backup-7', safe='')}", headers=ADMIN
        )
        assert got.status_code == 200 and got.json()["title"] == "Thing 7"
    finally:
        stop_server(restored)


def test_refusals_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", str(tmp_path / "x.db"), "--data-dir", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.startswith("thingreg: error: no database at")
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "thingreg.db").write_bytes(b"")
    assert main(["backup", str(existing), "--data-dir", str(tmp_path / "d")]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "y.db"), "--db", "postgresql://127.0.0.1/test"]) == 2
    assert "pg_dump" in capsys.readouterr().err
