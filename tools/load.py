"""A bounded load generator for the REST webhook: N concurrent conversations of M messages.

    python -m tools.load --url http://localhost:5005/webhooks/rest/webhook --conversations 200 --messages 10

`make load` (`python -m tools.load --conversations 200 --messages 10`) uses the bot on localhost:5005 when
one answers there; otherwise it starts the bot on free loopback ports (tools/botserver.py), runs the load
and stops what it started. `--start` always starts a fresh bot. Exits non-zero when a message was lost or
answered with an error.

Every conversation has its own sender id and sends its messages one after the other (a person
waits for the reply before writing again); the conversations run at the same time. Each message
is timed; a message is *lost* when the request fails, answers with a status other than 200, or
answers with no text at all. Replies that are the safe static reply (the bot hit its time limit
or the action server failed, see rasa_wing/channels/rest.py) are counted separately as `static_replies`.

Library use (the benchmark reuses it):

    result = asyncio.run(run_load(url, conversations=10, messages_per_conversation=10,
                                  messages=load_messages(), warmup=20))

`warmup` messages are sent first, one at a time, and are not measured. No Rasa imports here.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "routing_cases.yml"
# Whole conversations: a need, then a follow-up question, a plea, a goodbye after a crisis …
CONVERSATIONS = ROOT / "tests" / "conversation_cases.yml"
LOCAL = "http://localhost:5005"
STATIC_MARK = "tekniskt fel"  # bot/fallback.py says this in every static reply


def _scripts(path: Path | str) -> List[List[str]]:
    cases = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    scripts = [[t for t in case.get("turns") or [case.get("text")] if isinstance(t, str) and t.strip()]
               for case in cases]
    return [s for s in scripts if s]


def load_messages(path: Path | str = CASES, conversations: Path | str | None = CONVERSATIONS) -> List[str]:
    """The user messages of our routing cases, each followed by the turns of one of our multi-turn
    conversation cases (cycling through them), in order.

    A load conversation takes its messages one after another from this list, so most of them go on
    after the first answer: a follow-up question about what was named, a plea, a goodbye after a crisis –
    the turns that read and set the conversation's state. *conversations* None: routing cases only."""
    first = _scripts(path)
    more = _scripts(conversations) if conversations is not None else []
    texts: List[str] = []
    for i, script in enumerate(first):
        texts += script + (more[i % len(more)] if more else [])
    if not texts:
        raise ValueError(f"{path}: no messages")
    return texts


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def _send(session: aiohttp.ClientSession, url: str, sender: str, text: str, timeout: float) -> Dict:
    start = time.perf_counter()
    outcome: Dict = {"ok": False, "static": False}
    try:
        async with session.post(url, json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            outcome["status"] = resp.status
            body = await resp.read()
        if outcome["status"] == 200:
            messages = json.loads(body or b"[]")
            texts = " ".join(m.get("text") or "" for m in messages if isinstance(m, dict))
            outcome["ok"] = bool(texts.strip())
            outcome["static"] = STATIC_MARK in texts
            outcome["kind"] = "ok" if outcome["ok"] else "empty"
        else:
            outcome["kind"] = f"http_{outcome['status']}"
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
        outcome["kind"] = type(e).__name__
    outcome["latency"] = time.perf_counter() - start
    return outcome


async def run_load(url: str, conversations: int, messages_per_conversation: int, messages: Sequence[str],
                   warmup: int = 0, timeout: float = 60.0, rounds: int = 1) -> Dict:
    """Run the load and return the figures (see the module docstring).

    *rounds* > 1 keeps *conversations* going at once for longer: `conversations × rounds` new
    conversations in all, each started as soon as one ends, so that the percentiles rest on more
    messages while the number of conversations at the same time stays the same."""
    rounds = max(rounds, 1)
    run_id = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=max(conversations, 1), force_close=False)
    at_once = asyncio.Semaphore(max(conversations, 1))
    async with aiohttp.ClientSession(connector=connector) as session:
        for i in range(warmup):
            await _send(session, url, f"load-{run_id}-warmup-{i % 5}", messages[i % len(messages)], timeout)

        async def conversation(c: int) -> List[Dict]:
            sender = f"load-{run_id}-{c}"
            async with at_once:
                return [await _send(session, url, sender,
                                    messages[(c * messages_per_conversation + m) % len(messages)], timeout)
                        for m in range(messages_per_conversation)]

        start = time.perf_counter()
        per_conversation = await asyncio.gather(*(conversation(c) for c in range(conversations * rounds)))
        duration = time.perf_counter() - start

    outcomes = [o for conv in per_conversation for o in conv]
    latencies = sorted(o["latency"] * 1000 for o in outcomes)
    kinds = Counter(o["kind"] for o in outcomes)
    replied = sum(o["ok"] for o in outcomes)
    return {
        "url": url,
        "conversations": conversations,
        "rounds": rounds,
        "messages_per_conversation": messages_per_conversation,
        "warmup": warmup,
        "sent": len(outcomes),
        "replied": replied,
        "lost": len(outcomes) - replied,
        "errors": sum(n for k, n in kinds.items() if k not in ("ok", "empty")),
        "empty": kinds.get("empty", 0),
        "static_replies": sum(o["static"] for o in outcomes),
        "outcomes": dict(kinds),
        "duration_s": round(duration, 3),
        "throughput_msg_s": round(len(outcomes) / duration, 2) if duration > 0 else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(latencies[-1], 1) if latencies else 0.0,
            "mean": round(sum(latencies) / len(latencies), 1) if latencies else 0.0,
        },
    }


def report(result: Dict) -> str:
    lat = result["latency_ms"]
    return (
        f"{result['conversations']} samtal samtidigt"
        + (f" ({result['conversations'] * result['rounds']} i {result['rounds']} omgångar)"
           if result.get("rounds", 1) > 1 else "")
        + f" × {result['messages_per_conversation']} meddelanden = {result['sent']} meddelanden "
        f"på {result['duration_s']} s\n"
        f"svar: {result['replied']}  förlorade: {result['lost']}  fel: {result['errors']}  tomma: {result['empty']}  "
        f"nödsvar (tidsgräns/fel): {result['static_replies']}\n"
        f"latens ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}  medel {lat['mean']}\n"
        f"genomströmning: {result['throughput_msg_s']} meddelanden/s"
    )


def measure(argv: List[str] | None = None) -> int:
    """The load against the webhook at --url (default: the bot on localhost:5005)."""
    parser = argparse.ArgumentParser(description="Lasttest av Stödlotsens REST-webhook.")
    parser.add_argument("--url", default=LOCAL + "/webhooks/rest/webhook")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="meddelanden per samtal")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1,
                        help="nya samtal i så många omgångar, lika många samtidigt hela tiden")
    parser.add_argument("--timeout", type=float, default=60.0, help="sekunder per meddelande")
    parser.add_argument("--cases", default=str(CASES))
    parser.add_argument("--conversations-file", default=str(CONVERSATIONS),
                        help="flerturssamtal som blandas in efter varje fall (tom sträng: inga)")
    parser.add_argument("--json", dest="json_out", help="skriv resultatet som JSON hit")
    args = parser.parse_args(argv)
    messages = load_messages(args.cases, args.conversations_file or None)
    result = asyncio.run(run_load(args.url, args.conversations, args.messages, messages,
                                  warmup=args.warmup, timeout=args.timeout, rounds=args.rounds))
    print(report(result))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if result["lost"] == 0 and result["errors"] == 0 else 1


def main(argv: List[str] | None = None) -> int:
    """`make load`: the bot on localhost:5005 when one answers (or the one at --url), else one started here."""
    from tools.botserver import BotServer, answers

    argv = list(sys.argv[1:] if argv is None else argv)
    fresh = "--start" in argv
    argv = [a for a in argv if a != "--start"]
    if "--url" in argv or (not fresh and answers(LOCAL + "/")):
        if "--url" not in argv:
            print(f"Använder boten som svarar på {LOCAL}")
            argv += ["--url", LOCAL + "/webhooks/rest/webhook"]
        return measure(argv)
    with tempfile.TemporaryDirectory(prefix="stodlotsen-load-") as workdir:
        print("Startar boten på lediga portar för lasttestet …", flush=True)
        server = BotServer(Path(workdir)).start()
        try:
            return measure(argv + ["--url", server.url])
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
