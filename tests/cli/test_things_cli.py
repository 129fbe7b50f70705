"""``thingreg things``: against a real server; tables, NDJSON, one-line errors, exit codes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support import LiveServer, free_port, minimal_td, start_server, stop_server
from thingreg.cli.main import main

TOKEN = ADMIN_TOKEN


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("things-cli") / "data", THINGREG_API_TOKEN=TOKEN)
    yield live
    stop_server(live)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_td(tmp_path: Path, thing_id: str, **extra: object) -> str:
    path = tmp_path / f"{thing_id.rsplit(':', 1)[-1]}.json"
    path.write_bytes(orjson.dumps(minimal_td(thing_id, **extra)))
    return str(path)


def test_put_get_list_search_delete(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ("--url", server.url, "--token", TOKEN)
    lamp = write_td(tmp_path, "urn:example:lamp-1", title="Lamp", **{"@type": "saref:LightSwitch"})
    assert run(capsys, "things", "put", lamp, *auth) == (0, "created: urn:example:lamp-1\n", "")
    assert run(capsys, "things", "put", lamp, *auth) == (0, "replaced: urn:example:lamp-1\n", "")
    fan = write_td(tmp_path, "urn:example:fan-2", title="Fan")
    code, out, _ = run(capsys, "things", "put", fan, *auth, "--json")
    assert (code, orjson.loads(out)) == (0, {"id": "urn:example:fan-2", "result": "created"})

    code, out, _ = run(capsys, "things", "get", "urn:example:lamp-1", *auth)
    assert code == 0 and orjson.loads(out)["title"] == "Lamp"
    code, out, _ = run(capsys, "things", "get", "urn:example:lamp-1", *auth, "--json")
    assert out.count("\n") == 1 and orjson.loads(out)["id"] == "urn:example:lamp-1"

    code, out, _ = run(capsys, "things", "list", *auth)
    header, *rows = out.splitlines()
    assert code == 0 and header.split() == ["id", "title", "@type", "modified"]
    assert [r.split()[:3] for r in rows] == [
        ["urn:example:fan-2", "Fan", "20" + rows[0].split()[2][2:]],
        ["urn:example:lamp-1", "Lamp", "saref:LightSwitch"],
    ]
    code, out, _ = run(capsys, "things", "list", *auth, "--json", "--limit", "1")
    assert [orjson.loads(line)["id"] for line in out.splitlines()] == ["urn:example:fan-2"]
    code, out, _ = run(capsys, "things", "list", *auth, "--offset", "1", "--json")
    assert [orjson.loads(line)["id"] for line in out.splitlines()] == ["urn:example:lamp-1"]

    code, out, _ = run(capsys, "things", "search", '$[?@.title=="Lamp"]', *auth)
    assert code == 0 and out.splitlines()[1].split()[0] == "urn:example:lamp-1"
    code, out, _ = run(capsys, "things", "search", "$[*].title", *auth)
    assert (code, out) == (0, '"Fan"\n"Lamp"\n')
    code, out, _ = run(capsys, "things", "search", "$[*].id", *auth, "--json")
    assert out.splitlines() == ['"urn:example:fan-2"', '"urn:example:lamp-1"']

    assert run(capsys, "things", "delete", "urn:example:fan-2", *auth) == (
        0,
        "deleted: urn:example:fan-2\n",
        "",
    )
    code, out, _ = run(capsys, "things", "delete", "urn:example:lamp-1", *auth, "--json")
    assert orjson.loads(out) == {"id": "urn:example:lamp-1", "result": "deleted"}
    assert run(capsys, "things", "list", *auth) == (0, "no things\n", "")


def test_put_reads_stdin(
    server: LiveServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = orjson.dumps(minimal_td("urn:example:stdin-1"))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    monkeypatch.setenv("THINGREG_URL", server.url)
    monkeypatch.setenv("THINGREG_TOKEN", TOKEN)
    assert run(capsys, "things", "put", "-") == (0, "created: urn:example:stdin-1\n", "")
    assert run(capsys, "things", "delete", "urn:example:stdin-1")[0] == 0


def test_refusals_exit_1(server: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "things", "get", "urn:example:none", "--url", server.url)
    assert (code, out) == (1, "")
    assert err.startswith("thingreg: error: GET ") and err.count("\n") == 1
    assert "404 Not Found" in err
    code, _, err = run(
        capsys, "things", "delete", "urn:example:none", "--url", server.url, "--token", TOKEN
    )
    assert code == 1 and "404" in err
    code, _, err = run(capsys, "things", "delete", "urn:example:none", "--url", server.url)
    assert code == 1 and "401 Unauthorized" in err and err.count("\n") == 1


def test_bad_input_exits_2(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ("--url", server.url, "--token", TOKEN)
    invalid = tmp_path / "invalid.json"
    invalid.write_bytes(orjson.dumps({"id": "urn:example:bad", "title": "no security"}))
    code, _, err = run(capsys, "things", "put", str(invalid), *auth)
    assert code == 2 and "400 Bad Request: the TD is not valid" in err and err.count("\n") == 1
    anonymous = tmp_path / "anon.json"
    anonymous.write_bytes(orjson.dumps(minimal_td(None)))
    code, _, err = run(capsys, "things", "put", str(anonymous), *auth)
    assert code == 2 and "has no id" in err
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    code, _, err = run(capsys, "things", "put", str(garbage), *auth)
    assert code == 2 and "not valid JSON" in err
    code, _, err = run(capsys, "things", "put", str(tmp_path / "missing.json"), *auth)
    assert code == 2 and err.startswith("thingreg: error: ") and "missing.json" in err
    assert run(capsys, "things", "list", "--url", server.url, "--limit", "0")[0] == 2
    assert run(capsys, "things", "list", "--url", server.url, "--offset", "-1")[0] == 2
    code, _, err = run(capsys, "things", "search", "$[", "--url", server.url)
    assert code == 2 and "400" in err
    with pytest.raises(SystemExit) as exc:
        main(["things", "get"])
    assert exc.value.code == 2
    assert "the following arguments are required: ID" in capsys.readouterr().err
    code, _, err = run(capsys, "things", "list", "--url", "ftp://127.0.0.1")
    assert code == 2 and err.count("\n") == 1


def test_unreachable_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for argv in (("get", "urn:x:y"), ("list",), ("search", "$"), ("delete", "urn:x:y")):
        code, out, err = run(capsys, "things", *argv, "--url", url)
        assert (code, out) == (3, ""), argv
        assert err.startswith("thingreg: error: ") and "cannot reach" in err
