"""``thingreg id parse`` offline and ``thingreg resolve`` against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support import LiveServer, free_port, minimal_td, start_server, stop_server
from thingreg.cli.main import main

TOKEN = ADMIN_TOKEN


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("ids-cli") / "data", THINGREG_API_TOKEN=TOKEN)
    td = minimal_td("urn:example:tracker-7", identifiers=["49-015420-323751-8"])
    answer = httpx.put(
        f"{live.url}/things/urn%3Aexample%3Atracker-7",
        json=td,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 201
    yield live
    stop_server(live)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "id", "parse", "49-015420-323751-8")
    header, first, *_ = out.splitlines()
    assert (code, err) == (0, "")
    assert header.split() == ["scheme", "canonical", "notation", "details"]
    assert first.split()[:2] == ["imei", "urn:gsma:imei:49015420-323751-0"]
    code, out, _ = run(capsys, "id", "parse", "49-015420-323751-8", "--json")
    assert orjson.loads(out)[0]["scheme"] == "imei"


def test_parse_refuses_an_invalid_identifier(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "id", "parse", "49-015420-323751-9")
    assert (code, out) == (1, "")
    assert err.startswith("thingreg: error: invalid identifier") and err.count("\n") == 1


def test_resolve_found_not_found_unreachable(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ("--url", server.url, "--token", TOKEN)
    code, out, err = run(capsys, "resolve", "490154203237518", *auth)
    assert (code, err) == (0, "")
    assert out.split("\t")[0] == "urn:example:tracker-7"
    code, out, _ = run(capsys, "resolve", "490154203237518", *auth, "--json")
    assert orjson.loads(out)["id"] == "urn:example:tracker-7"
    code, out, err = run(capsys, "resolve", "urn:example:nobody", "--url", server.url)
    assert (code, out) == (1, "") and "404 Not Found" in err and err.count("\n") == 1
    code, _, err = run(capsys, "resolve", "x", "--url", f"http://127.0.0.1:{free_port()}")
    assert code == 3 and "cannot reach the registry" in err
