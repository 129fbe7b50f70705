"""``thingreg device keygen|show`` and ``thingreg keys list|rotate`` (offline parts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thingreg.cli.main import main
from thingreg.client.device import describe_key, load_private_key
from thingreg.core.auth.keys import read_key


@pytest.mark.parametrize(("alg", "jws_alg"), [("Ed25519", "EdDSA"), ("ES256", "ES256")])
def test_keygen_writes_a_private_key_and_prints_the_public_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alg: str, jws_alg: str
) -> None:
    out = tmp_path / "device.pem"
    assert main(["device", "keygen", "--alg", alg, "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert printed == describe_key(load_private_key(out))
    assert printed["alg"] == jws_alg
    assert read_key(printed["did"]).jkt == read_key(printed["jwk"]).jkt == printed["thumbprint"]
    for shown in ("did", "thumbprint", "jwk"):
        assert main(["device", "show", "--key", str(out), "--print", shown]) == 0
        line = capsys.readouterr().out.strip()
        expected = (
            printed[shown] if shown != "jwk" else json.dumps(printed["jwk"], separators=(",", ":"))
        )
        assert line == expected


def test_keygen_does_not_overwrite_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "device.pem"
    out.write_text("precious")
    out.chmod(0o644)
    assert main(["device", "keygen", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "precious"
    assert main(["device", "keygen", "--out", str(out), "--force", "--print", "did"]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert capsys.readouterr().out.startswith("did:key:z6Mk")


def test_show_refuses_what_is_not_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    assert main(["device", "show", "--key", str(junk)]) == 2
    assert "not an unencrypted PEM private key" in capsys.readouterr().err


def test_keys_list_and_rotate_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["keys", "list", *data]) == 0
    assert "no signing keys yet" in capsys.readouterr().out
    assert main(["keys", "rotate", *data, "--json"]) == 0
    (first,) = json.loads(capsys.readouterr().out)
    assert first["state"] == "signing" and first["alg"] == "ES256"
    assert main(["keys", "rotate", *data]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["kid", "alg", "state", "created", "publishedUntil"]
    assert [line.split()[2] for line in table[1:]] == ["signing", "retired"]
    assert table[2].split()[0] == first["kid"]
    assert main(["keys", "list", *data, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[1]["publishedUntil"] > listed[1]["created"]
