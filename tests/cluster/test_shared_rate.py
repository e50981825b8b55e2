"""The per-sender rate limit holds across instances (rasa_wing/channels/shared_rate.py), and falls back
to the instance's own when Redis does not answer."""
import pytest
import redis

from rasa_wing.channels import shared_rate
from rasa_wing.channels.inbound import SenderRate
from rasa_wing.channels.shared_rate import SharedSenderRate

KEY = b"k" * 64


def test_two_instances_share_one_allowance(redis_server):
    redis.Redis(port=redis_server.port).flushdb()
    a, b = (SharedSenderRate(redis_server.url, per_second=0.01, burst=10, key=KEY) for _ in range(2))
    allowed = [(a if i % 2 else b).allow("widget-1") for i in range(16)]
    assert allowed == [True] * 10 + [False] * 6  # one instance alone would have let 16 through with two
    assert a.allow("widget-2")  # another sender has its own allowance


def test_the_allowance_comes_back_with_time(redis_server):
    import time

    redis.Redis(port=redis_server.port).flushdb()
    rate = SharedSenderRate(redis_server.url, per_second=20, burst=2, key=KEY)
    assert [rate.allow("s") for _ in range(3)] == [True, True, False]
    time.sleep(0.2)  # 20 a second: 4 back, at most the burst
    assert [rate.allow("s") for _ in range(3)] == [True, True, False]


def test_redis_stores_only_the_pseudonymous_id_and_forgets_it(redis_server):
    raw = redis.Redis(port=redis_server.port)
    raw.flushdb()
    SharedSenderRate(redis_server.url, per_second=2, burst=10, key=KEY).allow("widget-4711")
    keys = [k.decode() for k in raw.keys("*")]
    assert len(keys) == 1 and "widget-4711" not in keys[0] and keys[0].startswith("stodlotsen:takt:anon-")
    assert 0 < raw.pttl(keys[0]) <= 2000  # gone once the bucket would be full again


def test_without_redis_the_instance_counts_alone(tmp_path, caplog):
    from tools.services import Redis

    down = Redis(tmp_path)  # never started
    rate = SharedSenderRate(down.url, per_second=0.01, burst=3, key=KEY)
    assert [rate.allow("s") for _ in range(4)] == [True, True, True, False]
    assert sum("Redis svarar inte" in r.getMessage() for r in caplog.records) == 1  # said once, not per message


@pytest.mark.parametrize("url, kind", [("", SenderRate), ("redis://127.0.0.1:1/0", SharedSenderRate)])
def test_the_channels_get_the_shared_limit_only_with_a_redis_url(monkeypatch, url, kind):
    monkeypatch.setenv("STODLOTSEN_HASH_KEY", KEY.decode())
    monkeypatch.setenv(shared_rate.URL_ENV, url)
    assert type(shared_rate.sender_rate()) is kind


def test_a_sender_who_wrote_to_one_instance_is_known_to_the_other(redis_server):
    """The per-client limits on new conversations (rasa_wing/channels/limits.py) ask `knows`: a conversation
    whose turns alternate between instances is not new on the second one."""
    redis.Redis(port=redis_server.port).flushdb()
    a, b = (SharedSenderRate(redis_server.url, per_second=0.5, burst=10, key=KEY) for _ in range(2))
    assert not a.knows("widget-9") and not b.knows("widget-9")
    assert a.allow("widget-9")
    assert a.knows("widget-9") and b.knows("widget-9")  # b only through Redis
    assert not b.knows("widget-10")


def test_the_shared_allowance_is_what_the_channels_limits_use(monkeypatch, redis_server):
    from rasa_wing.channels.limits import Limits

    redis.Redis(port=redis_server.port).flushdb()
    monkeypatch.setenv("STODLOTSEN_HASH_KEY", KEY.decode())
    monkeypatch.setenv(shared_rate.URL_ENV, redis_server.url)
    limits = [Limits.from_credentials({"rate_per_second": 0.01, "rate_burst": 3}) for _ in range(2)]
    assert all(type(li.senders) is SharedSenderRate for li in limits)
    refused = [limits[i % 2].refusal(None, "widget-11", "hej") is not None for i in range(5)]
    assert refused == [False, False, False, True, True]  # three in all, over two instances
