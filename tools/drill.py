#!/usr/bin/env python
"""`make ovning`: the supervision drill, against a bot started with `make run`.

Under load (`make load`'s generator in the background), the drill stops the action server with
SIGKILL, then Rasa, and meanwhile asks the bot a question four times a second, each from a new
conversation, alternating a greeting and a worry. It prints, for each stop:

- how long until the bot answered normally again (the gap), and what it said meanwhile;
- whether every answer while the action server was down was the safe static reply with 112 and
  Bris (the promise in docs/drift.md); any other answer is listed as a failure.

While Rasa is down nothing answers on :5005 (the widget shows its offline message with 112 and
Bris); the drill measures until Rasa answers again. It exits non-zero when a process did not come
back within --wait seconds or an answer while the action server was down lacked 112 or Bris.
Run it only on a test machine: the load writes conversations to the tracker store.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from bot import fallback
from tools.botserver import answers

ROOT = Path(__file__).resolve().parent.parent

TECHNICAL = "tekniskt fel"
PROBES = ("hej", "jag blir mobbad i skolan")


def ask(url: str, text: str, timeout: float = 5.0) -> tuple[int, str]:
    """(HTTP status, the reply's text) for one message in a new conversation; status 0 when nothing answered."""
    body = json.dumps({"sender": f"ovning-{uuid.uuid4().hex[:12]}", "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, " ".join(m.get("text") or "" for m in json.load(response))
    except urllib.error.HTTPError as e:
        return e.code, ""
    except (OSError, ValueError):
        return 0, ""


def pid_of(pattern: str) -> int:
    """The process id of the one process whose command line contains *pattern* (the supervised child)."""
    found = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True).stdout.split()
    pids = [int(p) for p in found if int(p) != os.getpid()]
    if len(pids) != 1:
        raise SystemExit(f"Hittade {len(pids)} processer för '{pattern}' – är boten startad med make run?")
    return pids[0]


def stop_and_watch(url: str, pattern: str, wait: float, bris: str, health: str) -> dict:
    """Kill the process matching *pattern*; ask the bot until it answers normally again."""
    pid = pid_of(pattern)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    seen: dict = {"static": 0, "none": 0, "normal_before": 0, "unsafe": []}
    back = None
    for i in itertools.count():
        if time.monotonic() - killed > wait:
            break
        text = PROBES[i % len(PROBES)]
        status, reply = ask(url, text)
        if status != 200:
            seen["none"] += 1
        elif TECHNICAL in reply:
            seen["static"] += 1
            if "112" not in reply or bris not in reply:
                seen["unsafe"].append(f"{text!r} → {reply[:120]!r}")
        elif not answers(health):
            # An ordinary answer while the action server is down: exactly what must not happen.
            seen["unsafe"].append(f"{text!r} → {reply[:120]!r}")
        elif seen["static"] + seen["none"] == 0:
            seen["normal_before"] += 1  # answered before the stop was noticed
        else:
            back = time.monotonic() - killed
            break
        time.sleep(0.25)
    return {"pid": pid, "gap_s": None if back is None else round(back, 1), **seen}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--actions-health", default="http://127.0.0.1:5055/health")
    parser.add_argument("--wait", type=float, default=180.0, help="längsta väntan på att en process är tillbaka (s)")
    args = parser.parse_args(argv)
    if ask(args.url, "hej")[0] != 200:
        raise SystemExit(f"Ingen bot svarar på {args.url}. Starta den med make run först.")

    background = subprocess.Popen(
        [sys.executable, "-m", "tools.load", "--url", args.url, "--conversations", "20", "--messages", "10",
         "--rounds", "1000", "--timeout", "10"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bris = fallback.numbers()["bris"]
    results = {}
    try:
        time.sleep(5)
        for name, pattern in (("action-servern", "rasa_wing.action_server"), ("Rasa", "rasa_wing.serve run")):
            print(f"Stoppar {name} (SIGKILL) under last …", flush=True)
            results[name] = r = stop_and_watch(args.url, pattern, args.wait, bris, args.actions_health)
            print(f"  tillbaka efter {r['gap_s']} s; under tiden {r['static']} säkra nödsvar och {r['none']} utan svar",
                  flush=True)
            for line in r["unsafe"]:
                print(f"  FEL: svar utan 112 och Bris: {line}")
            time.sleep(5)
    finally:
        background.terminate()
        background.wait()
    failed = [n for n, r in results.items() if r["gap_s"] is None or r["unsafe"]]
    if results["action-servern"]["static"] == 0:
        failed.append("action-servern (inget säkert nödsvar sågs)")
    print(json.dumps(results, ensure_ascii=False))
    if failed:
        print("Övningen misslyckades: " + ", ".join(failed))
        return 1
    print("Övningen gick bra: båda processerna kom tillbaka av sig själva.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
