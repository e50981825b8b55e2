"""bot.storage: pseudonymous ids, the hash key and the retention time."""
import os
import stat

import pytest

from bot import storage


def test_hash_sender_is_keyed_stable_and_hides_the_id():
    a = storage.hash_sender("user-123", b"k" * 32)
    assert a == storage.hash_sender("user-123", b"k" * 32)
    assert a != storage.hash_sender("user-124", b"k" * 32)
    assert a != storage.hash_sender("user-123", b"j" * 32)
    assert "user-123" not in a and a.startswith(storage.SENDER_PREFIX) and len(a) <= 255


def test_key_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(storage.KEY_ENV, "x" * 40)
    assert storage.load_key(tmp_path / "unused") == b"x" * 40
    assert not (tmp_path / "unused").exists()
    monkeypatch.setenv(storage.KEY_ENV, "short")
    with pytest.raises(ValueError, match="för kort"):
        storage.load_key(tmp_path / "unused")


def test_key_file_is_generated_once_with_private_mode(monkeypatch, tmp_path):
    monkeypatch.delenv(storage.KEY_ENV, raising=False)
    path = tmp_path / "nyckel"
    first = storage.load_key(path)
    assert len(first) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert storage.load_key(path) == first
    other = tmp_path / "annan"
    assert storage.load_key(other) != first


def test_retention_days(monkeypatch):
    monkeypatch.delenv(storage.RETENTION_ENV, raising=False)
    assert storage.retention_days() == 30
    assert storage.retention_days(7) == 7
    monkeypatch.setenv(storage.RETENTION_ENV, "2")
    assert storage.retention_days(7) == 2
    monkeypatch.setenv(storage.RETENTION_ENV, "0")
    with pytest.raises(ValueError):
        storage.retention_days()
    monkeypatch.setenv(storage.RETENTION_ENV, "en månad")
    with pytest.raises(ValueError):
        storage.retention_days()
