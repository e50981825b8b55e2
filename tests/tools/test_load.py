"""tools/load.py against a small local stub webhook: what counts as replied, lost, empty and static."""
import asyncio
import contextlib
import socket

from aiohttp import web

from tools import load


def test_percentile_nearest_rank():
    values = sorted(float(v) for v in range(1, 101))
    assert load.percentile(values, 50) == 50 and load.percentile(values, 99) == 99
    assert load.percentile(values, 100) == 100 and load.percentile([], 50) == 0.0


def test_routing_cases_give_the_messages():
    messages = load.load_messages()
    assert len(messages) > 50 and all(isinstance(m, str) and m.strip() for m in messages)


def test_the_load_mixes_in_whole_conversations_that_go_on_after_the_first_answer(tmp_path):
    routing, conversations = tmp_path / "r.yml", tmp_path / "c.yml"
    routing.write_text("- {id: a, text: behov1}\n- {id: b, turns: [behov2, mer2]}\n", encoding="utf-8")
    conversations.write_text("- {id: x, turns: [oro, är det gratis, tack hej]}\n", encoding="utf-8")
    assert load.load_messages(routing, conversations) == ["behov1", "oro", "är det gratis", "tack hej",
                                                          "behov2", "mer2", "oro", "är det gratis", "tack hej"]
    assert load.load_messages(routing, None) == ["behov1", "behov2", "mer2"]
    shipped = load.load_messages()
    assert set(shipped) > set(load.load_messages(conversations=None))  # the shipped mix has follow-ups too


async def _run(messages, conversations, per_conversation, warmup=0):
    seen = []

    async def webhook(request):
        body = await request.json()
        seen.append(body["sender"])
        text = body["message"]
        if text == "fail":
            return web.json_response({"error": "x"}, status=500)
        if text == "empty":
            return web.json_response([])
        if text == "static":
            return web.json_response([{"recipient_id": body["sender"], "text": "Jag har ett tekniskt fel just nu."}])
        return web.json_response([{"recipient_id": body["sender"], "text": f"svar på {text}"}])

    async with _stub(webhook) as url:
        result = await load.run_load(url, conversations, per_conversation, messages, warmup=warmup, timeout=10)
    return result, seen


@contextlib.asynccontextmanager
async def _stub(webhook):
    """A local webhook on a free port; yields its URL."""
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


def test_every_message_replied():
    result, seen = asyncio.run(_run(["a", "b", "c"], conversations=7, per_conversation=3, warmup=2))
    assert result["sent"] == 21 and result["replied"] == 21 and result["lost"] == 0 and result["errors"] == 0
    assert len(seen) == 23  # warm-up messages are sent but not counted
    assert len({s for s in seen if "warmup" not in s}) == 7  # one sender per conversation
    assert result["throughput_msg_s"] > 0 and result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]


def test_errors_empty_and_static_replies_are_counted():
    result, _ = asyncio.run(_run(["a", "fail", "empty", "static"], conversations=2, per_conversation=4))
    assert result["sent"] == 8
    assert result["errors"] == 2 and result["outcomes"]["http_500"] == 2
    assert result["empty"] == 2 and result["lost"] == 4
    assert result["static_replies"] == 2 and result["replied"] == 4


def test_an_unreachable_bot_loses_every_message():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = asyncio.run(load.run_load(f"http://127.0.0.1:{port}/webhook", 2, 2, ["a"], timeout=5))
    assert result["lost"] == 4 and result["errors"] == 4
    assert load.main(["--url", f"http://127.0.0.1:{port}/webhook", "--conversations", "1", "--messages", "1",
                      "--warmup", "0"]) == 1


def test_rounds_keep_the_same_number_of_conversations_going():
    result, seen = asyncio.run(_run_rounds())
    assert result["sent"] == 3 * 4 * 2 and result["replied"] == result["sent"]
    assert len(set(seen)) == 12  # a new conversation (sender) for every one started
    assert result["rounds"] == 4 and result["conversations"] == 3


async def _run_rounds():
    seen, in_flight, most = [], set(), [0]

    async def webhook(request):
        body = await request.json()
        seen.append(body["sender"])
        in_flight.add(body["sender"])
        most[0] = max(most[0], len(in_flight))
        await asyncio.sleep(0.01)
        in_flight.discard(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], "text": "svar"}])

    async with _stub(webhook) as url:
        result = await load.run_load(url, 3, 2, ["a"], timeout=10, rounds=4)
    assert most[0] <= 3  # never more than three conversations at once
    return result, seen
