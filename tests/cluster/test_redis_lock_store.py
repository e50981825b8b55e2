"""rasa_wing.redis_lock_store against a real Redis: tickets stay unique and none is lost when two
instances change one lock at the same moment, a dead holder's ticket runs out within seconds, and
Redis never sees the conversation id a channel sent."""
import asyncio
import threading
import time

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_wing.redis_lock_store import AtomicRedisLockStore

KEY = "k" * 64


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("STODLOTSEN_HASH_KEY", KEY)


@pytest.fixture
def stores(redis_server):
    """Two lock stores on one Redis: what two Rasa instances have."""
    redis.Redis(port=redis_server.port, db=1).flushdb()
    return [AtomicRedisLockStore(host="127.0.0.1", port=redis_server.port, db=1, ticket_lifetime=1.2)
            for _ in range(2)]


def test_built_from_endpoint_config_like_rasa_does(redis_server):
    config = EndpointConfig(url="127.0.0.1", type="rasa_wing.redis_lock_store.AtomicRedisLockStore",
                            port=redis_server.port, db=1, ticket_lifetime=4)
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.ticket_lifetime == 4.0
    assert store.red.ping()


def test_another_instance_changing_the_lock_in_between_loses_nothing(stores, monkeypatch):
    """Instance a reads the lock; before it writes, instance b issues a ticket. Rasa's own store
    overwrites b's ticket (both get 0); ours notices, reads again and issues 1."""
    a, b = stores
    original = a._change
    interfered = []

    def change_with_b_in_between(conversation_id, change):
        def meddled(lock):
            if not interfered:
                interfered.append(b.issue_ticket(conversation_id))
            return change(lock)
        return original(conversation_id, meddled)

    monkeypatch.setattr(a, "_change", change_with_b_in_between)
    ticket = a.issue_ticket("samtal-1")
    assert interfered == [0] and ticket == 1
    assert [t.number for t in b.get_lock("samtal-1").tickets] == [0, 1]


def test_rasas_own_redis_lock_store_gives_two_instances_the_same_ticket(redis_server):
    """The race our store closes (rasa#9213), shown on Rasa's store with the same interleaving."""
    redis.Redis(port=redis_server.port, db=1).flushdb()
    a, b = (RedisLockStore(port=redis_server.port, db=1) for _ in range(2))
    lock = a.get_or_create_lock("samtal-1")       # a reads …
    assert b.issue_ticket("samtal-1") == 0         # … b issues a ticket …
    assert lock.issue_ticket(60) == 0              # … and a issues the same one
    a.save_lock(lock)
    assert [t.number for t in b.get_lock("samtal-1").tickets] == [0]  # b's ticket is gone


def test_tickets_are_unique_under_concurrent_instances(stores):
    numbers = []

    def issue(store):
        for _ in range(50):
            numbers.append(store.issue_ticket("delad", 30))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(200))


def test_messages_of_one_conversation_take_turns_across_instances(stores):
    a, b = stores
    order = []

    async def handle(store, name, hold):
        async with store.lock("samtal-2"):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def all_at_once():
        await asyncio.gather(handle(a, "1", 0.3), handle(b, "2", 0.1), handle(a, "3", 0.1), handle(b, "4", 0))

    asyncio.run(all_at_once())
    assert [x for x in order if x.endswith("in")] == ["1 in", "2 in", "3 in", "4 in"]
    assert all(order[i].split()[0] == order[i + 1].split()[0] for i in range(0, 8, 2)), order
    assert a.get_lock("samtal-2") is None  # nothing left behind


def test_a_holder_keeps_its_ticket_alive_beyond_its_lifetime(stores):
    a, b = stores
    order = []

    async def slow():
        async with a.lock("samtal-3"):
            order.append("slow in")
            await asyncio.sleep(3 * a.ticket_lifetime)  # three lifetimes: renewed meanwhile
            order.append("slow out")

    async def next_message():
        await asyncio.sleep(0.1)
        async with b.lock("samtal-3"):
            order.append("next in")

    async def both():
        await asyncio.gather(slow(), next_message())

    asyncio.run(both())
    assert order == ["slow in", "slow out", "next in"]


def test_a_dead_instances_ticket_runs_out_and_the_next_message_goes_on(stores):
    """An instance killed mid-message never gives its ticket back nor renews it."""
    a, b = stores
    a.issue_ticket("samtal-4", a.ticket_lifetime)  # then a dies

    async def next_message():
        started = time.monotonic()
        async with b.lock("samtal-4"):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.5 < waited < a.ticket_lifetime + 1.0


def test_redis_keys_are_the_pseudonymous_id(stores, redis_server):
    a, _ = stores
    a.issue_ticket("widget-4711")
    raw = redis.Redis(port=redis_server.port, db=1)
    keys = [k.decode() for k in raw.keys("*")]
    assert len(keys) == 1 and "widget-4711" not in keys[0] and keys[0].startswith("lock:anon-")
    assert b"widget-4711" not in raw.get(keys[0])
    assert raw.pttl(keys[0]) > 0  # a lock nobody renews leaves Redis by itself


def test_with_redis_down_a_message_fails_with_a_lock_error_and_release_is_quiet(redis_server, tmp_path):
    from tools.services import Redis

    down = Redis(tmp_path)  # never started: nothing listens on its port
    store = AtomicRedisLockStore(host="127.0.0.1", port=down.port, db=1)
    with pytest.raises(LockError):
        store.issue_ticket("samtal-5")
    store.cleanup("samtal-5", 0)  # logged, not raised: the message was already answered
