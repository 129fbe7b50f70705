"""Commands that open the database: an unreachable one is exit 3; bad usage is exit 2."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.support import free_port
from thingreg.cli.main import main


def test_keys_on_an_unreachable_database_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://127.0.0.1:{free_port()}/nothing"
    for action in ("list", "rotate"):
        assert main(["keys", action, "--db", url]) == 3
        err = capsys.readouterr().err
        assert (
            err.startswith("thingreg: error: cannot connect to PostgreSQL") and err.count("\n") == 1
        )


def test_keys_list_json_on_an_empty_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "list", "--data-dir", str(tmp_path), "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--port", "not-a-number"],
        ["serve", "--log-level", "loud"],
        ["keys"],
        ["backup"],
        ["nonsense"],
        [],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_backup_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["keys", "list", "--data-dir", str(data)]) == 0  # opening makes the database
    capsys.readouterr()
    copy = tmp_path / "copy.db"
    assert main(["backup", str(copy), "--data-dir", str(data), "--json"]) == 0
    out = orjson.loads(capsys.readouterr().out)
    assert out == {"file": str(copy), "bytes": copy.stat().st_size}
    assert main(["backup", str(copy), "--data-dir", str(data)]) == 2  # never overwritten
    assert capsys.readouterr().err.startswith("thingreg: error: ")
