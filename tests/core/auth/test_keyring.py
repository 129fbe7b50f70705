"""The registry's signing keys: first key, rotation, publication window, encryption at rest."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from thingreg.core.auth import jose
from thingreg.core.auth.keyring import Keyring
from thingreg.store import open_store
from thingreg.store.base import Store
from thingreg.store.sqlite import SQLiteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    backend = open_store(f"sqlite:///{tmp_path / 'keys.db'}")
    await backend.open()
    yield backend
    await backend.close()


def kids(keyring: Keyring) -> list[str]:
    return [key["kid"] for key in orjson.loads(keyring.jwks)["keys"]]


async def test_first_load_makes_a_key_and_signs_with_it(store: Store) -> None:
    keyring = Keyring(store)
    await keyring.load()
    assert keyring.current_kid is not None
    assert kids(keyring) == [keyring.current_kid]
    published = orjson.loads(keyring.jwks)["keys"][0]
    assert published["alg"] == "ES256" and published["use"] == "sig"
    token = jose.parse(keyring.sign({"sub": "urn:x"}))
    assert token.header["kid"] == keyring.current_kid
    key = keyring.verification_key(keyring.current_kid)
    assert key is not None and jose.verify(token, key.key, key.alg)
    again = Keyring(store)
    await again.load()
    assert again.current_kid == keyring.current_kid  # made once, then loaded


async def test_eddsa_keys(store: Store) -> None:
    keyring = Keyring(store, alg="EdDSA")
    await keyring.load()
    assert jose.parse(keyring.sign({})).alg == "EdDSA"
    with pytest.raises(ValueError, match="ES256 or EdDSA"):
        Keyring(store, alg="RS256")


async def test_rotation_keeps_the_old_key_published_for_its_tokens(store: Store) -> None:
    keyring = Keyring(store, token_ttl=0.2, reload_interval=0.0, clock_skew=0.0)
    await keyring.load()
    old = keyring.current_kid
    old_token = jose.parse(keyring.sign({"sub": "urn:x"}))
    new = await keyring.rotate()
    assert new != old and keyring.current_kid == new
    assert set(kids(keyring)) == {old, new}
    published = keyring.verification_key(old)
    assert published is not None and jose.verify(old_token, published.key, published.alg)
    await keyring.maintain()
    assert set(kids(keyring)) == {old, new}  # its tokens may still be valid
    await asyncio.sleep(0.3)
    await keyring.maintain()
    assert kids(keyring) == [new]
    assert keyring.verification_key(old) is None


async def test_automatic_rotation_after_max_age(store: Store) -> None:
    keyring = Keyring(store, max_age=0.05)
    await keyring.load()
    first = keyring.current_kid
    await keyring.maintain()
    assert keyring.current_kid == first
    await asyncio.sleep(0.1)
    await keyring.maintain()
    assert keyring.current_kid != first


async def test_another_process_rotating_is_picked_up(store: Store, tmp_path: Path) -> None:
    keyring = Keyring(store)
    await keyring.load()
    other_store = open_store(f"sqlite:///{tmp_path / 'keys.db'}")
    await other_store.open()
    try:
        other = Keyring(other_store)
        await other.refresh()
        rotated = await other.rotate()
    finally:
        await other_store.close()
    await keyring.maintain()
    assert keyring.current_kid == rotated
    assert jose.parse(keyring.sign({})).header["kid"] == rotated
    # A rotation from a stale view loses to the one that happened, and adopts it.
    stale = Keyring(store)
    stale._current = None
    assert await stale.rotate() == rotated


async def test_encrypted_at_rest(store: Store) -> None:
    keyring = Keyring(store, passphrase="correct horse")
    await keyring.load()
    stored = (await store.signing_keys())[0].private_key
    assert stored.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(ValueError, match="is encrypted"):
        await Keyring(store).load()
    with pytest.raises(ValueError, match="is wrong"):
        await Keyring(store, passphrase="battery staple").load()
    reopened = Keyring(store, passphrase="correct horse")
    await reopened.load()
    assert reopened.current_kid == keyring.current_kid


async def test_database_holding_keys_is_private(store: Store) -> None:
    await Keyring(store).load()
    assert isinstance(store, SQLiteStore)
    for path in (store.path, Path(f"{store.path}-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
