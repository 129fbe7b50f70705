"""``thingreg delegations``: table and JSON output, one-line errors, exit codes 0/1/2."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from tests.support import LiveServer, free_port, start_server, stop_server
from thingreg.cli.main import main

TOKEN = "cli-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("cli") / "data",
        THINGREG_API_TOKEN=TOKEN,
        THINGREG_REGISTRY_ID="cli",
    )
    yield live
    stop_server(live)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_remove(server: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    auth = ("--url", server.url, "--token", TOKEN)
    assert run(capsys, "delegations", "list", "--url", server.url) == (0, "no delegations\n", "")
    code, out, _ = run(
        capsys, "delegations", "add", "tel:+81", "https://jp.example/", "--note", "Japan", *auth
    )
    assert (code, out) == (0, "added: tel:+81 -> https://jp.example\n")
    code, out, _ = run(
        capsys, "delegations", "add", "tel:+81", "https://jp2.example", "--note", "JP", *auth
    )
    assert (code, out) == (0, "replaced: tel:+81 -> https://jp2.example\n")
    code, out, _ = run(capsys, "delegations", "list", "--url", server.url)
    header, row = out.splitlines()
    assert header.split() == ["prefix", "registry", "note", "created"]
    assert row.split()[:3] == ["tel:+81", "https://jp2.example", "JP"]
    code, out, _ = run(capsys, "delegations", "list", "--url", server.url, "--json")
    assert [d["prefix"] for d in orjson.loads(out)] == ["tel:+81"]
    assert run(capsys, "delegations", "remove", "tel:+81", *auth) == (0, "removed: tel:+81\n", "")


def test_errors_are_one_line_with_exit_codes(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "delegations", "remove", "tel:+99", "--url", server.url)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "401 Unauthorized: this needs an administrator's API key" in err
    code, _, err = run(
        capsys, "delegations", "remove", "tel:+99", "--url", server.url, "--token", TOKEN
    )
    assert code == 1
    assert "404 Not Found: no delegation has the prefix 'tel:+99'" in err
    code, _, err = run(
        capsys, "delegations", "add", "tel:+1", "ftp://x", "--url", server.url, "--token", TOKEN
    )
    assert code == 2  # the registry calls the request malformed (400): bad input
    assert "absolute http or https" in err
    down = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "delegations", "list", "--url", down)
    assert code == 3
    assert err == (
        f"thingreg: error: {down}/delegations: cannot reach the registry (ConnectError)\n"
    )


def test_import_needs_published_namespaces(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "delegations", "import", server.url, "--url", server.url, "--token", TOKEN
    )
    assert code == 1
    assert err == f"thingreg: error: {server.url} publishes no namespaces; nothing to import\n"


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["delegations", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for action in ("list", "add", "remove", "import"):
        assert action in out
    assert "exit codes:" in out
    assert "3  the registry or its database could not be reached" in out
