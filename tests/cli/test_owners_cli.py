"""``thingreg owners`` and ``thingreg audit verify`` on the database, on the CLI toolkit."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.support import free_port
from thingreg.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_owners_and_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ("--data-dir", str(tmp_path))
    code, out, _ = run(capsys, "owners", "add", "acme", "--note", "Acme Ltd", *db, "--json")
    assert code == 0 and orjson.loads(out)["name"] == "acme"
    code, out, _ = run(capsys, "owners", "list", *db)
    assert code == 0 and "name=acme" in out and "note=Acme Ltd" in out

    code, out, _ = run(capsys, "owners", "key", "create", "acme", "--scope", "read", *db, "--json")
    made = orjson.loads(out)
    assert code == 0 and made["token"] and made["scopes"] == ["read"]
    code, out, _ = run(capsys, "owners", "key", "list", "acme", *db, "--json")
    assert code == 0 and [k["id"] for k in orjson.loads(out)] == [made["id"]]
    assert run(capsys, "owners", "key", "revoke", "acme", made["id"], *db) == (
        0,
        f"revoked: {made['id']}\n",
        "",
    )


def test_unknown_owner_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "owners", "key", "list", "nobody", "--data-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err.startswith("thingreg: error: ") and err.count("\n") == 1


def test_owners_and_audit_on_an_unreachable_database_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"postgresql://127.0.0.1:{free_port()}/nothing"
    for argv in (["owners", "list", "--db", url], ["audit", "verify", "--db", url]):
        code, _, err = run(capsys, *argv)
        assert code == 3 and err.startswith("thingreg: error: ") and err.count("\n") == 1


def test_audit_verify_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "owners", "add", "acme", "--data-dir", str(tmp_path))[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(tmp_path), "--json")
    result = orjson.loads(out)
    assert code == 0 and result["intact"] is True and result["entries"] >= 1
