"""The SQLite lock store lets several Rasa workers share conversation locks."""
import asyncio
import multiprocessing

from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_wing.lock_store import SQLiteLockStore


def test_built_from_endpoint_config_like_rasa_does(tmp_path):
    config = EndpointConfig(type="rasa_wing.lock_store.SQLiteLockStore", db=str(tmp_path / "l.db"))
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore)
    assert store.db == str(tmp_path / "l.db")


def test_two_stores_on_one_file_issue_distinct_tickets(tmp_path):
    a, b = SQLiteLockStore(db=str(tmp_path / "l.db")), SQLiteLockStore(db=str(tmp_path / "l.db"))
    tickets = [a.issue_ticket("c1"), b.issue_ticket("c1"), a.issue_ticket("c1")]
    assert tickets == [0, 1, 2]
    assert b.get_lock("c1").last_issued == 2
    assert a.get_lock("other") is None


def test_second_message_waits_for_the_first(tmp_path):
    a, b = SQLiteLockStore(db=str(tmp_path / "l.db")), SQLiteLockStore(db=str(tmp_path / "l.db"))
    order = []

    async def handle(store, name, hold):
        async with store.lock("conv", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def both():
        first = asyncio.create_task(handle(a, "first", 0.2))
        await asyncio.sleep(0.02)
        await handle(b, "second", 0)
        await first

    asyncio.run(both())
    assert order == ["first in", "first out", "second in", "second out"]
    assert a.get_lock("conv") is None  # cleaned up when nobody waits


def _issue(db, n, queue):
    store = SQLiteLockStore(db=db)
    queue.put([store.issue_ticket("shared") for _ in range(n)])


def test_tickets_are_unique_across_processes(tmp_path):
    db = str(tmp_path / "l.db")
    SQLiteLockStore(db=db)
    queue = multiprocessing.get_context("fork").Queue()
    procs = [multiprocessing.get_context("fork").Process(target=_issue, args=(db, 40, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    tickets = [t for _ in procs for t in queue.get(timeout=60)]
    for p in procs:
        p.join()
    assert sorted(tickets) == list(range(120))


def test_rasas_lock_uses_the_stores_tickets(tmp_path, monkeypatch):
    from tests.support.rasa_harness import spy_on

    store = SQLiteLockStore(db=str(tmp_path / "l.db"))
    spies = {name: spy_on(monkeypatch, SQLiteLockStore, name) for name in ("issue_ticket", "get_lock", "delete_lock")}

    async def hold():
        async with store.lock("conv", wait_time_in_seconds=0.01):
            pass

    asyncio.run(hold())
    assert all(spy.calls > 0 for spy in spies.values()), {name: spy.calls for name, spy in spies.items()}
    assert store.get_lock("conv") is None  # deleted when nobody waits


def test_on_an_untested_rasa_rasas_own_lock_store_is_used(tmp_path, monkeypatch, caplog):
    import pytest
    from rasa.core.lock_store import InMemoryLockStore, LockError

    from rasa_wing import compat

    monkeypatch.setattr(compat, "installed_version", lambda package: "3.7.0")
    config = EndpointConfig(type="rasa_wing.lock_store.SQLiteLockStore", db=str(tmp_path / "l.db"))
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    store = LockStore.create(config)
    assert type(store) is InMemoryLockStore and not (tmp_path / "l.db").exists()
    assert len(caplog.records) == 1 and "3.7.0" in caplog.text
    monkeypatch.setenv("SANIC_WORKERS", "2")  # in-memory locks cannot keep two workers apart: no start
    with pytest.raises(LockError, match="SANIC_WORKERS=1"):
        LockStore.create(config)
