"""Limits per client address, for new conversations, per sender, and the store's growth cap (issue 27)."""
import asyncio
import logging

import pytest

from rasa_wing import client_address, disk_growth
from rasa_wing.channels import limits as limits_module
from rasa_wing.channels.limits import Limits, RateLimitedLog


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def limits(clock, growth=None, **kwargs):
    return Limits(growth=growth or disk_growth.DiskGrowth(0, clock=clock), clock=clock, **kwargs)


def test_many_senders_from_one_client_share_its_budget():
    clock = Clock()
    lim = limits(clock, client_rate_per_second=5, client_burst=40, new_per_second=1000, new_burst=1000,
                 client_new_per_second=1000, client_new_burst=1000)
    answered = [lim.refusal("203.0.113.7", f"sender-{i}", "hej") is None for i in range(500)]
    assert sum(answered) == 40
    refused = lim.refusal("203.0.113.7", "sender-x", "jag vill inte leva")
    assert refused and "112" in refused[0]["text"] + "".join(m["text"] for m in refused)
    assert lim.refusal("198.51.100.1", "another", "hej") is None, "another client is not held up"
    clock.now += 1
    assert sum(lim.refusal("203.0.113.7", f"later-{i}", "hej") is None for i in range(20)) == 5


def test_messenger_is_one_signed_client_and_not_budgeted_as_one():
    lim = limits(Clock(), client_rate_per_second=1, client_burst=1, new_per_second=1000, new_burst=1000)
    assert all(lim.refusal(client_address.MESSENGER, f"psid-{i}", "hej") is None for i in range(50))


def test_a_global_ceiling_on_new_conversations_gets_the_static_reply():
    clock = Clock()
    lim = limits(clock, new_per_second=20, new_burst=60, client_rate_per_second=1000, client_burst=1000,
                 client_new_per_second=1000, client_new_burst=1000)
    answers = [lim.refusal(f"10.0.0.{i % 250}", f"new-{i}", "hej") for i in range(100)]
    assert sum(a is None for a in answers) == 60
    static = next(a for a in answers if a is not None)
    text = " ".join(m["text"] for m in static)
    assert "112" in text and "116 111" in text
    assert lim.refusal("10.0.0.1", "new-0", "hej igen") is None, "a conversation already going on goes on"


def test_over_the_growth_cap_new_conversations_are_refused_and_an_alert_is_logged(caplog):
    clock = Clock()
    growth = disk_growth.DiskGrowth(cap_mb=1, clock=clock)
    lim = limits(clock, growth=growth)
    assert lim.refusal("10.0.0.1", "old", "hej") is None
    with caplog.at_level(logging.ERROR):
        for _ in range(11):
            growth.add(100_000)
    assert growth.over() and caplog.text.count("LARM") == 1
    assert lim.refusal("10.0.0.2", "new", "hej") is not None
    assert lim.refusal("10.0.0.1", "old", "hej igen") is None
    clock.now += 3601
    assert not growth.over() and lim.refusal("10.0.0.2", "new", "hej") is None


def test_the_cap_setting(monkeypatch):
    monkeypatch.delenv(disk_growth.ENV_CAP, raising=False)
    assert disk_growth.cap_mb(None) == disk_growth.DEFAULT_CAP_MB and disk_growth.cap_mb("50") == 50
    with pytest.raises(ValueError):
        disk_growth.cap_mb("många")
    monkeypatch.setenv(disk_growth.ENV_CAP, "0")
    assert disk_growth.cap_mb(50) == 0


def test_a_rate_limited_log_line(caplog):
    clock = Clock()
    line = RateLimitedLog("hände %d gånger", every=60, clock=clock)
    with caplog.at_level(logging.WARNING):
        for _ in range(100):
            line()
        clock.now += 61
        line()
    assert caplog.text.count("hände") == 2 and "hände 1 gånger" in caplog.text and "hände 100 gånger" in caplog.text


@pytest.mark.parametrize("peer,forwarded,trusted,expected", [
    ("203.0.113.7", None, "127.0.0.1", "203.0.113.7"),
    ("203.0.113.7", "1.2.3.4", "127.0.0.1", "203.0.113.7"),  # not from the proxy: the header is not believed
    ("127.0.0.1", "198.51.100.9", "127.0.0.1", "198.51.100.9"),
    ("127.0.0.1", "6.6.6.6, 198.51.100.9", "127.0.0.1", "198.51.100.9"),  # the client wrote the first one itself
    ("10.1.2.3", "198.51.100.9, 10.9.9.9", "10.0.0.0/8", "198.51.100.9"),
    ("127.0.0.1", "198.51.100.9", "", "127.0.0.1"),
    ("127.0.0.1", None, "127.0.0.1", None),  # a proxy (or a local tool) that passes no address: no client to count
    ("127.0.0.1", "127.0.0.1", "127.0.0.1", None),  # a tool on this machine through the proxy (make cluster-load)
    ("10.1.2.3", "10.9.9.9, 127.0.0.1", "10.0.0.0/8 127.0.0.1", None),  # only trusted hops: no client
    ("127.0.0.1", "127.0.0.1, 198.51.100.9", "127.0.0.1", "198.51.100.9"),  # a client cannot hide behind a loopback hop
])
def test_the_client_address(peer, forwarded, trusted, expected):
    assert client_address.of_request(peer, forwarded, client_address.trusted_proxies(trusted)) == expected


def test_a_wrong_proxy_setting_stops_the_start():
    with pytest.raises(ValueError):
        client_address.trusted_proxies("127.0.0.1 lokalhost")


def test_the_client_address_follows_the_message_into_its_tasks():
    seen = []

    async def rasa_handles():
        await asyncio.sleep(0)
        seen.append(client_address.current())

    async def channel():
        with client_address.handling("198.51.100.9"):
            task = asyncio.ensure_future(rasa_handles())
        await task
        seen.append(client_address.current())

    asyncio.run(channel())
    assert seen == ["198.51.100.9", None]


def test_new_conversations_per_client():
    clock = Clock()
    lim = limits(clock, client_new_per_second=0.5, client_new_burst=30, client_burst=1000)
    answered = [lim.refusal("203.0.113.7", f"new-{i}", "hej") is None for i in range(100)]
    assert sum(answered) == 30
    assert lim.refusal("203.0.113.7", "new-0", "hej igen") is None, "a conversation already going on goes on"
    assert lim.refusal("198.51.100.1", "other", "hej") is None
    clock.now += 10
    assert sum(lim.refusal("203.0.113.7", f"later-{i}", "hej") is None for i in range(20)) == 5


def test_the_ceiling_on_new_conversations_is_one_for_every_channel():
    """The REST channel's settings, and Messenger's new conversations count against the same ceiling."""
    no_client_limits = {"client_new_burst": 1000, "client_burst": 1000}
    try:
        rest = Limits.from_credentials({"new_per_second": 0.001, "new_burst": 5, **no_client_limits})
        messenger = Limits(new=limits_module.WHOLE_BOT)
        answered = [rest.refusal(None, f"rest-{i}", "hej") is None for i in range(3)]
        answered += [messenger.refusal(client_address.MESSENGER, f"psid-{i}", "hej") is None for i in range(5)]
        assert answered == [True] * 5 + [False] * 3
    finally:
        limits_module.WHOLE_BOT._buckets.clear()
        Limits.from_credentials(None)
    assert (limits_module.WHOLE_BOT.per_second, limits_module.WHOLE_BOT.burst) == (20, 200)
