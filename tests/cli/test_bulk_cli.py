"""``thingreg import`` / ``thingreg export`` on both backends: round trip, rejected lines,
idempotence, stdin, and an importer killed with SIGKILL mid-run, then run again."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.tdgen import make_td
from tests.store.test_contract import store_url
from tests.support import minimal_td
from thingreg.cli.main import main
from thingreg.core.access.keys import CLI
from thingreg.core.directory import prepare_thing
from thingreg.store import open_store
from thingreg.store.base import Access, ThingFilter, ThingRecord

__all__ = ["store_url"]  # the fixture: an empty database of each backend


def generated(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_td(n, rng) for n in range(count)]


def write_ndjson(path: Path, tds: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(td) + b"\n" for td in tds))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored(url: str) -> dict[str, ThingRecord]:
    async def read() -> dict[str, ThingRecord]:
        store = open_store(url)
        await store.open()
        try:
            return {r.id: r async for chunk in store.scan() for r in chunk}
        finally:
            await store.close()

    return asyncio.run(read())


def event_count(url: str) -> int:
    async def read() -> int:
        store = open_store(url)
        await store.open()
        try:
            return len(await store.events_after(0, 1_000_000))
        finally:
            await store.close()

    return asyncio.run(read())


def assert_complete(url: str, tds: list[dict[str, Any]]) -> None:
    """Each TD is stored whole: its body, @type index, and its id in the alias index."""
    things = stored(url)

    async def check() -> None:
        store = open_store(url)
        await store.open()
        try:
            for td in tds:
                expected = prepare_thing(td)
                record = things[td["id"]]
                assert (record.body, record.types, record.aliases) == (
                    expected.body,
                    expected.types,
                    expected.aliases,
                )
                assert await store.find_alias(expected.aliases[0].value) == td["id"]
                if expected.types:
                    typed = ThingFilter(ids=frozenset({td["id"]}), types=frozenset(record.types))
                    assert await store.count(typed) == 1
        finally:
            await store.close()

    asyncio.run(check())


def test_round_trip(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tds = generated(300)
    source = write_ndjson(tmp_path / "things.ndjson", tds)
    code, out, err = run(capsys, "import", str(source), "--db", store_url, "--batch-size", "64")
    assert (code, err) == (0, "")
    assert out.startswith(f"imported {source}: 300 created, 0 updated, 0 unchanged, 0 rejected")
    assert_complete(store_url, tds)
    exported = tmp_path / "export.ndjson"
    assert run(capsys, "export", str(exported), "--db", store_url)[:2] == (0, "")
    lines = exported.read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == sorted(td["id"] for td in tds)
    by_id = {td["id"]: td for td in tds}
    for line in lines:
        td = orjson.loads(line)
        assert set(td.pop("registration")) >= {"created", "modified"}
        original = by_id[td["id"]]
        assert {k: v for k, v in td.items() if k != "@context"} == {
            k: v for k, v in original.items() if k != "@context"
        }
    # The export imported again changes nothing.
    events = event_count(store_url)
    code, out, _ = run(capsys, "import", str(exported), "--db", store_url)
    assert (code, out.split(":")[1].split("(")[0].strip()) == (
        0,
        "0 created, 0 updated, 300 unchanged, 0 rejected",
    )
    assert event_count(store_url) == events
    code, out, _ = run(capsys, "export", "--db", store_url)
    assert out.encode() == exported.read_bytes()


def test_rejected_lines_are_reported(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "mixed.ndjson"
    source.write_bytes(
        b"\n".join(
            [
                orjson.dumps(minimal_td("urn:example:1")),
                b"[1, 2",
                orjson.dumps(minimal_td("urn:example:2", title=5)),
                b"   ",
                orjson.dumps(minimal_td(None)),
                orjson.dumps(minimal_td("urn:example:3")),
                orjson.dumps(minimal_td("urn:example:3", title="second copy")),
                orjson.dumps(minimal_td("urn:example:4", identifiers=["urn:example:1"])),
            ]
        )
    )
    code, out, err = run(capsys, "import", str(source), "--db", store_url)
    assert code == 1
    assert "2 created, 1 updated, 0 unchanged, 4 rejected" in out
    rejected = err.splitlines()
    assert [line.split(":", 2)[1].split()[1] for line in rejected] == ["2", "3", "5", "8"]
    assert "not valid JSON" in rejected[0]
    assert "line 3 (urn:example:2)" in rejected[1] and "title" in rejected[1]
    assert "has no id" in rejected[2]
    assert "already belongs to another thing" in rejected[3]
    assert stored(store_url)["urn:example:3"].title == "second copy"


def test_stdin_json_array_and_idempotence(store_url: str, tmp_path: Path) -> None:
    tds = generated(120, seed=3)
    array = orjson.dumps(tds, option=orjson.OPT_INDENT_2)
    command = [sys.executable, "-m", "thingreg", "import", "--db", store_url]
    for expected in ("120 created, 0 updated, 0 unchanged", "0 created, 0 updated, 120 unchanged"):
        done = subprocess.run(command, input=array, capture_output=True, check=False, timeout=120)
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout.decode().startswith(f"imported <stdin>: {expected}")
    assert len(stored(store_url)) == 120


def test_killed_importer_loses_nothing_reported(store_url: str, tmp_path: Path) -> None:
    tds = generated(4000, seed=11)
    source = write_ndjson(tmp_path / "big.ndjson", tds)
    command = [sys.executable, "-m", "thingreg", "import", str(source), "--db", store_url]
    with subprocess.Popen(
        [*command, "--batch-size", "100", "-v"], stderr=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        assert process.stderr is not None
        reported = 0
        deadline = time.monotonic() + 120
        while reported < 800 and time.monotonic() < deadline:
            line = process.stderr.readline().decode()
            assert line, "the importer ended before it could be killed"
            if line.startswith("committed through line "):
                reported = int(line.split()[3].rstrip(":"))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert 800 <= reported < 4000, "not killed mid-run"
    things = stored(store_url)
    assert len(things) < 4000
    assert_complete(store_url, tds[:reported])  # everything reported is there, whole
    extra = [td for td in tds[reported:] if td["id"] in things]
    assert_complete(store_url, extra)  # anything committed after the last report is whole too
    done = subprocess.run(command, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.decode()
    assert f"{4000 - len(things)} created, 0 updated, {len(things)} unchanged" in summary
    assert len(stored(store_url)) == 4000
    assert_complete(store_url, tds)


def audit_actors(url: str) -> set[str]:
    async def read() -> set[str]:
        store = open_store(url)
        await store.open()
        try:
            return {entry.actor for entry in await store.audit_entries()}
        finally:
            await store.close()

    return asyncio.run(read())


def test_owner_of_imported_things(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_ndjson(tmp_path / "first.ndjson", [minimal_td("urn:example:no-owner")])
    # No administrator's owner yet: the things belong to nobody (administrators only).
    assert run(capsys, "import", str(first), "--db", store_url, "--workers", "1")[0] == 0
    assert stored(store_url)["urn:example:no-owner"].access.owner == ""
    assert run(capsys, "owners", "add", "admin", "--db", store_url)[0] == 0
    assert run(capsys, "owners", "add", "acme", "--db", store_url)[0] == 0
    second = write_ndjson(tmp_path / "second.ndjson", [minimal_td("urn:example:admins")])
    assert run(capsys, "import", str(second), "--db", store_url)[0] == 0
    third = write_ndjson(
        tmp_path / "third.ndjson",
        [minimal_td("urn:example:acme"), minimal_td("urn:example:no-owner", title="new")],
    )
    code, out, _ = run(capsys, "import", str(third), "--db", store_url, "--owner", "acme")
    assert code == 0 and "1 created, 1 updated" in out
    things = stored(store_url)
    assert things["urn:example:admins"].access.owner == "admin"
    assert things["urn:example:acme"].access == Access("acme", "owner")
    assert things["urn:example:no-owner"].access.owner == ""  # a replaced thing keeps its owner
    assert audit_actors(store_url) >= {CLI}
    code, _, err = run(capsys, "import", str(third), "--db", store_url, "--owner", "nobody")
    assert code == 2 and "no owner called 'nobody'" in err
