"""End to end, issue 27: a flood of new conversations from one client address, bounded in count and time.

One client (behind the proxy: the address in X-Forwarded-For, trusted because the test talks from loopback, where
the proxy of docs/drift.md runs) sends as fast as it can under a new sender id each time, from a process of its
own at a lower CPU priority (an attacker is on another machine: here the flood's own HTTP client must not take
the bot's CPU, nor the measuring thread's). Meanwhile another user
goes on with a conversation from another address: their p95 stays within twice their p95 before the flood, a
crisis message from a third address gets 112, a crisis message from the flooding client gets 112 too, and the
flood's conversations are mostly not passed to Rasa nor stored. Bodies over Sanic's limit are refused unread.
"""
import concurrent.futures as futures
import json
import multiprocessing
import os
import sqlite3
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.support.markers import reply_text

FLOOD_CLIENT = "198.51.100.7"  # documentation addresses (RFC 5737): header values only, no traffic goes there
USER_CLIENT = "203.0.113.5"
CRISIS_CLIENT = "203.0.113.9"
FLOOD_MAX_REQUESTS = 1500
FLOOD_MAX_SECONDS = 20.0
FLOOD_THREADS = 6
USER_MESSAGES = ["jag blir mobbad i skolan", "är det anonymt?", "kostar det något?", "vad händer om jag ringer?",
                 "kan jag chatta i stället?", "tack", "när är de öppna?", "okej", "jag vågar inte ringa", "hej igen"]


def send(bot, sender: str, text: str, client: str, timeout: float = 30) -> tuple[int, list, float]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(bot.url, data=body, headers={"Content-Type": "application/json",
                                                              "X-Forwarded-For": client})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode() or "[]"), time.perf_counter() - started
    except urllib.error.HTTPError as e:
        return e.code, [], time.perf_counter() - started


def user_latencies(bot, rounds: int = 3) -> list[float]:
    """The other user's conversation at a person's pace (inside the per-sender limit): seconds per reply."""
    out = []
    for _ in range(rounds):
        sender = f"user-{uuid.uuid4().hex}"
        for text in USER_MESSAGES:
            status, messages, seconds = send(bot, sender, text, USER_CLIENT)
            assert status == 200 and reply_text(messages).strip()
            out.append(seconds)
            time.sleep(0.5)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


class _Url:
    def __init__(self, url: str) -> None:
        self.url = url


def flood(url: str, started, results) -> None:
    """The flooding client, in its own process: FLOOD_THREADS threads, new sender ids, at most FLOOD_MAX_REQUESTS
    requests in FLOOD_MAX_SECONDS; puts the counts of what came back on *results*."""
    os.nice(10)
    target = _Url(url)
    counts = {"sent": 0, "too_fast": 0, "static": 0, "answered": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + FLOOD_MAX_SECONDS

    def one_thread() -> None:
        while time.monotonic() < deadline:
            with lock:
                if counts["sent"] >= FLOOD_MAX_REQUESTS:
                    return
                counts["sent"] += 1
            status, messages, _ = send(target, f"flood-{uuid.uuid4().hex}", "hej hej", FLOOD_CLIENT)
            text = reply_text(messages)
            kind = ("errors" if status != 200 else "too_fast" if "snabbare än jag hinner" in text
                    else "static" if "tekniskt" in text else "answered")
            with lock:
                counts[kind] += 1

    started.set()
    with futures.ThreadPoolExecutor(FLOOD_THREADS) as pool:
        for f in [pool.submit(one_thread) for _ in range(FLOOD_THREADS)]:
            f.result()
    results.put(counts)


def test_a_flood_from_one_client_does_not_hold_up_another_user(bot):
    user_latencies(bot, rounds=1)  # warm up: the first messages load what Rasa loads lazily
    baseline = user_latencies(bot)

    ctx = multiprocessing.get_context("spawn")
    started, results = ctx.Event(), ctx.Queue()
    flooder = ctx.Process(target=flood, args=(bot.url, started, results), daemon=True)
    flooder.start()
    try:
        assert started.wait(60), "the flood did not start"
        time.sleep(2)  # the flood is going
        during = user_latencies(bot)
        _, crisis, _ = send(bot, f"crisis-{uuid.uuid4().hex}", "jag vill inte leva längre, jag har tabletter", CRISIS_CLIENT)
        _, crisis_in_flood, _ = send(bot, f"crisis-{uuid.uuid4().hex}", "jag vill ta livet av mig", FLOOD_CLIENT)
        counts = results.get(timeout=FLOOD_MAX_SECONDS + 120)
    finally:
        flooder.join(30)
        if flooder.is_alive():
            flooder.terminate()

    print(f"\nflood: {counts}; the other user's p95 {p95(baseline) * 1000:.0f} ms before, "
          f"{p95(during) * 1000:.0f} ms during")
    assert counts["sent"] >= 200 and counts["errors"] == 0, counts
    assert counts["too_fast"] >= counts["sent"] * 0.8, "the client's budget did not hold the flood back"
    assert "112" in reply_text(crisis), reply_text(crisis)
    assert "112" in reply_text(crisis_in_flood), reply_text(crisis_in_flood)
    assert p95(during) <= 2 * p95(baseline), (p95(baseline), p95(during))
    with sqlite3.connect(bot.db) as conn:
        (stored,) = conn.execute("SELECT count(DISTINCT sender_id) FROM events").fetchone()
    assert stored <= counts["answered"] + counts["static"] + 10, "refused conversations were stored"
    assert counts["answered"] <= 30 + 0.5 * FLOOD_MAX_SECONDS + 5, "the client's new conversations were not limited"


def test_a_body_over_sanics_limit_is_refused_before_it_is_read(bot):
    body = b'{"sender": "big", "message": "' + b"a" * 3_000_000 + b'"}'
    req = urllib.request.Request(bot.url, data=body, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 413
    status, messages, _ = send(bot, f"after-{uuid.uuid4().hex}", "jag blir mobbad", USER_CLIENT)
    assert status == 200 and "116 111" in reply_text(messages)
