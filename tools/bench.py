#!/usr/bin/env python
"""`make bench`: how fast and how right the bot is, written to bench/.

    results.json  all figures (the previous file is compared with, then replaced)
    REPORT.md     the same for people, with the comparison
    latency.png   latency percentiles per load level, our action vs. the floor

Steps:
1. Training time: `rasa train` into a temporary folder (skipped with --skip-train; the previous
   figure is then carried over and marked as such).
2. Start-up: the bot is started the way `make run` starts it (tools/run.sh, trained model, on
   free ports, no demo page) and the time to the first answer is taken. If a bot already answers
   on localhost:5005 it is used instead (start-up is then not measured) and left running.
3. Load over the REST channel with the action server in the loop: 1, 10 and 50 concurrent
   conversations of 8 messages from tests/routing_cases.yml mixed with the multi-turn
   conversations of tests/conversation_cases.yml (follow-up questions, pleas, goodbyes after a
   crisis: turns that read and set the conversation state; tools.load.load_messages), after a
   warm-up that is not measured; each level runs three rounds of new conversations with the
   same number going at once, so that its percentiles rest on enough messages. The *floor* is the same load with
   greetings, the cheapest turn (the action answers with the fixed greeting and menu, no routing
   through the catalogue): the ratio shows what understanding and routing a need cost.
   *Without the semantic neighbour*: the same bot with STODLOTSEN_SEMANTIC=0 at 10 and 50, and its
   memory, for what the neighbour costs.
   *Stock Rasa*: a second bot, the same model and stores but without our patches of Rasa's
   internals (`STODLOTSEN_SPEEDUPS=0`), under the same load at 50 conversations; the target is
   at least twice its throughput.
4. Memory: resident set (RSS) and proportional set (PSS) of the Rasa and action-server
   processes after the load.
5. Understanding: `rasa test nlu` on the held-out set tests/nlu_test.yml: per-intent
   precision, recall, F1 and the most frequent confusions.
6. Scrubbing: `bot.privacy.scrub` on adversarial texts of 5 000 characters and on each text of the
   privacy corpus repeated to 5 000 characters (tools/privacy_corpus.py), best of three per text; the
   worst text is the target. Every scrub
   pattern is bounded (tests/domain/test_privacy.py), so this grows with the text's length only.
7. The crisis vote on the held-out crisis and calm sets in tests/crisis/ (tools/crisis_eval.py):
   recall and false alarms with all three signals, without each one and with each one alone, and
   how often the semantic neighbour is asked on the load above.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from tools import crisis_eval, load
from tools.botserver import answers, free_port
from tools.privacy_corpus import adversarial, findings_filled

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "bench"
VENV = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "stodlotsen.tar.gz"
LEVELS = (1, 10, 50)
MESSAGES_PER_CONVERSATION = 8
# Each level keeps its number of conversations going for three rounds (a new conversation starts
# when one ends), so the percentiles rest on 24, 240 and 1 200 messages, not 8, 80 and 400.
ROUNDS = 3
WARMUP = 24
FLOOR_MESSAGES = ["hej", "hallå", "tjena", "god morgon", "hejsan", "hej hej", "hallå där", "tja"]
TARGETS = {"p95_ms_at_10": 150, "msg_s_at_50": 70, "x_stock_at_50": 2.0, "rss_mb_total": 1536, "train_s": 300,
           "startup_s": 45, "scrub_worst_ms": 100}
STOCK_LEVEL = 50
SEMANTIC_LEVELS = (10, 50)  # the same bot without the semantic neighbour, for its cost
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def first_reply(url: str) -> bool:
    body = json.dumps({"sender": "bench-start", "message": "hej"}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return bool(json.loads(r.read()))
    except (OSError, ValueError):
        return False


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python loop (best of three): how fast this machine is right now.
    Shared virtual machines drift by a third over a day; compare runs only with this in view."""
    def once() -> float:
        start, total = time.perf_counter(), 0
        for i in range(2_000_000):
            total += i * i % 7
        return (time.perf_counter() - start) * 1000

    return round(min(once() for _ in range(3)), 1)


# --- 1. training ---------------------------------------------------------------------------------
def time_training() -> float:
    with tempfile.TemporaryDirectory(prefix="stodlotsen-bench-train-") as out:
        say("tränar en modell för att mäta träningstiden (några minuter) …")
        start = time.monotonic()
        subprocess.run([str(VENV / "rasa"), "train", "--out", out, "--fixed-model-name", "bench", "--force"],
                       cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        return round(time.monotonic() - start, 1)


# --- 2. start-up ---------------------------------------------------------------------------------
class Bot:
    """The bot as `make run` starts it, on free ports, with its own database."""

    def __init__(self, workdir: Path, env: dict | None = None):
        self.workdir = workdir
        self.extra_env = dict(env or {})
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start(self, timeout: float = 300) -> float:
        endpoints = self.workdir / "endpoints.yml"
        text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        text = text.replace("http://127.0.0.1:5055/webhook", f"http://127.0.0.1:{self.actions_port}/webhook")
        text = text.replace('db: "stodlotsen.db"', f'db: "{self.workdir / "bench.db"}"')
        endpoints.write_text(text, encoding="utf-8")
        env = {**ENV, "RASA_PORT": str(self.rasa_port), "ACTIONS_PORT": str(self.actions_port), "WEB_PORT": "0",
               "ENDPOINTS": str(endpoints), "STODLOTSEN_HASH_KEY": "bench-" + os.urandom(8).hex(), **self.extra_env}
        self.log = open(self.workdir / "bot.log", "wb")  # noqa: SIM115 - closed in stop()
        start = time.monotonic()
        self.proc = subprocess.Popen(["bash", "tools/run.sh"], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("boten avslutades under starten, se " + str(self.workdir / "bot.log"))
            if first_reply(self.url):
                return round(time.monotonic() - start, 1)
            time.sleep(0.5)
        raise RuntimeError("boten svarade inte inom tidsgränsen")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


# --- 6. scrubbing --------------------------------------------------------------------------------
def scrubbing() -> dict:
    """ms per scrub of each adversarial 5 000-character text and each corpus text repeated to 5 000 characters
    (best of three)."""
    from bot import names, privacy

    privacy.public_numbers()  # the catalogue is read once, not in the first measurement
    texts = {**adversarial(), **findings_filled(sorted(names.first_names()))}
    per_text = {}
    for name, text in texts.items():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            privacy.scrub(text)
            times.append(time.perf_counter() - start)
        per_text[name] = round(min(times) * 1000, 2)
    worst = max(per_text, key=per_text.get)
    return {"chars": len(next(iter(adversarial().values()))), "per_text_ms": per_text, "worst": worst,
            "worst_ms": per_text[worst]}


# --- 4. memory -----------------------------------------------------------------------------------
def processes_on(port: int) -> list[int]:
    """Pids whose command line has `--port <port>` (Rasa and its Sanic workers, or the action
    server), and every process they started (Rasa's helper that stores conversations)."""
    pids, parents = [], {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if b"--port" in args and args[args.index(b"--port") + 1:][:1] == [str(port).encode()]:
                pids.append(int(entry.name))
    found = set(pids)
    while True:
        more = {pid for pid, parent in parents.items() if parent in found and pid not in found}
        if not more:
            return sorted(found)
        found |= more


def memory_mb(pids: list[int]) -> dict:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"processes": len(pids), "rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1)}


# --- 3. load -------------------------------------------------------------------------------------
def run_levels(url: str, messages: list[str], label: str, levels: tuple = LEVELS) -> dict:
    results = {}
    for level in levels:
        say(f"{label}: {level} samtidiga samtal × {MESSAGES_PER_CONVERSATION} meddelanden, {ROUNDS} omgångar …")
        r = asyncio.run(load.run_load(url, level, MESSAGES_PER_CONVERSATION, messages, warmup=WARMUP, timeout=60,
                                      rounds=ROUNDS))
        results[str(level)] = {k: r[k] for k in ("sent", "replied", "lost", "errors", "empty", "static_replies",
                                                 "duration_s", "throughput_msg_s", "latency_ms")}
        say("  " + load.report(r).replace("\n", "\n  "))
    return results


# --- 5. understanding ----------------------------------------------------------------------------
def understanding(workdir: Path) -> dict:
    out = workdir / "nlu"
    say("rasa test nlu på den undanhållna testmängden …")
    subprocess.run([str(VENV / "rasa"), "test", "nlu", "--model", str(MODEL), "--nlu", "tests/nlu_test.yml",
                    "--out", str(out)], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.STDOUT)
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    per_intent = {name: {"precision": round(v["precision"], 3), "recall": round(v["recall"], 3),
                         "f1": round(v["f1-score"], 3), "support": v["support"]}
                  for name, v in sorted(report.items()) if isinstance(v, dict) and "support" in v
                  and name not in ("micro avg", "macro avg", "weighted avg")}
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else []
    confusions = Counter((e["intent"], (e.get("intent_prediction") or {}).get("name")) for e in errors)
    return {
        "examples": sum(v["support"] for v in per_intent.values()),
        "accuracy": round(report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0)), 3),
        "macro_f1": round(report["macro avg"]["f1-score"], 3),
        "weighted_f1": round(report["weighted avg"]["f1-score"], 3),
        "per_intent": per_intent,
        "confusions": [{"intent": a, "predicted": b, "count": n} for (a, b), n in confusions.most_common(10)],
    }


# --- 6. the crisis vote --------------------------------------------------------------------------
def crisis_layer() -> dict:
    say("krisomröstningen på de undanhållna kris- och lugna meddelandena …")
    return crisis_eval.evaluate(MODEL)


def crisis_rows(res: dict) -> list[str]:
    c = res.get("crisis")
    if not c:
        return []
    return ["", "## Krislagret (undanhållna meddelanden i tests/crisis/)", "",
            "Recall = krismeddelanden vars svar börjar med 112; falsklarm = lugna meddelanden som fick det. "
            "Varje rad visar vad en signal tillför: utan den, och den ensam.", "",
            *crisis_eval.table(c), "",
            f"Den semantiska grannen tillfrågades för {c['asked_share_on_load']:.1%} av lastens meddelanden; "
            f"en inbäddning tog {c['embed_ms_per_message']} ms (en tråd)."]


# --- report --------------------------------------------------------------------------------------
def targets(res: dict) -> dict:
    load10 = res["load"]["action"]["10"]
    load50 = res["load"]["action"]["50"]
    mem = res["memory"]["total"]["rss_mb"]
    checks = {
        "p95_ms_at_10": (load10["latency_ms"]["p95"], load10["latency_ms"]["p95"] <= TARGETS["p95_ms_at_10"]),
        "msg_s_at_50": (load50["throughput_msg_s"],
                        load50["throughput_msg_s"] >= TARGETS["msg_s_at_50"] and load50["errors"] == 0 and load50["lost"] == 0),
        "x_stock_at_50": stock_ratio(res),
        "rss_mb_total": (mem, mem <= TARGETS["rss_mb_total"]),
        "train_s": (res["training_s"], res["training_s"] is not None and res["training_s"] <= TARGETS["train_s"]),
        "startup_s": (res["startup_s"], res["startup_s"] is not None and res["startup_s"] <= TARGETS["startup_s"]),
        "scrub_worst_ms": (res["scrub"]["worst_ms"], res["scrub"]["worst_ms"] <= TARGETS["scrub_worst_ms"]),
    }
    return {k: {"value": v, "target": TARGETS[k], "met": ok} for k, (v, ok) in checks.items()}


def stock_ratio(res: dict) -> tuple:
    """(our throughput at 50 / stock Rasa's, met?); (None, False) when stock Rasa was not measured."""
    stock = (res["load"].get("stock") or {}).get(str(STOCK_LEVEL))
    if not stock or not stock["throughput_msg_s"]:
        return None, False
    ratio = round(res["load"]["action"][str(STOCK_LEVEL)]["throughput_msg_s"] / stock["throughput_msg_s"], 2)
    return ratio, ratio >= TARGETS["x_stock_at_50"]


def compare(prev: dict | None, res: dict) -> list[str]:
    if not prev:
        return ["Ingen tidigare bench/results.json att jämföra med."]
    lines = [f"Jämfört med förra körningen ({prev.get('date', '?')}, commit {prev.get('commit', '?')}):", ""]
    rows = [("Träffsäkerhet (held-out)", ("understanding", "accuracy")),
            ("Makro-F1", ("understanding", "macro_f1")),
            ("p95 ms vid 10 samtal", ("load", "action", "10", "latency_ms", "p95")),
            ("Meddelanden/s vid 50 samtal", ("load", "action", "50", "throughput_msg_s")),
            ("Minne RSS MB", ("memory", "total", "rss_mb")),
            ("Träningstid s", ("training_s",)),
            ("Start till första svar s", ("startup_s",))]
    lines += ["| Mått | Förra | Nu |", "|---|---:|---:|"]
    for name, path in rows:
        a, b = prev, res
        for key in path:
            a = a.get(key) if isinstance(a, dict) else None
            b = b.get(key) if isinstance(b, dict) else None
        lines.append(f"| {name} | {a if a is not None else '–'} | {b if b is not None else '–'} |")
    before = (prev.get("understanding") or {}).get("per_intent", {})
    now = res["understanding"]["per_intent"]
    deltas = {i: now[i]["f1"] - before[i]["f1"] for i in now if i in before}
    moved = sorted((d, i) for i, d in deltas.items() if abs(d) >= 0.02)
    if moved:
        lines += ["", "Avsikter vars F1 ändrats minst 0,02: " + ", ".join(f"{i} {d:+.3f}" for d, i in moved)]
    new = sorted(set(now) - set(before))
    if new:
        lines += ["", "Nya avsikter: " + ", ".join(new)]
    return lines


def target_rows(res: dict) -> list[str]:
    mark = {True: "uppfyllt", False: "**inte uppfyllt**"}
    rows = [("p95_ms_at_10", "p95 vid 10 samtidiga samtal", "≤ {} ms", "{} ms"),
            ("msg_s_at_50", "Genomströmning vid 50 samtidiga samtal, inga fel", "≥ {} meddelanden/s", "{}"),
            ("x_stock_at_50", "Genomströmning vid 50 jämfört med Rasa utan våra ändringar", "≥ {}×", "{}×"),
            ("rss_mb_total", "Minne (RSS) Rasa + action-server", "≤ {} MB", "{} MB"),
            ("train_s", "Träningstid", "≤ {} s", "{} s" + (" (förra mätningen)" if res.get("training_carried_over") else "")),
            ("startup_s", "Från start till första svar", "≤ {} s", "{} s"),
            ("scrub_worst_ms", "Rensning av 5 000 tecken, värsta text", "≤ {} ms", "{} ms")]
    lines = []
    for key, name, target, value in rows:
        t = res["targets"][key]
        shown = value.format(t["value"]) if t["value"] is not None else "ej mätt"
        lines.append(f"| {name} | {target.format(t['target'])} | {shown} | {mark[t['met']]} |")
    return lines


def write_report(res: dict, prev: dict | None) -> None:
    lines = [
        "# Stödlotsen – prestanda och förståelse",
        "",
        f"Körd {res['date']} på commit `{res['commit']}`, {res['machine']['cpus']} kärnor, Python {res['machine']['python']}, "
        f"hastighetsprov {res['machine'].get('speed_probe_ms', '–')} ms (lägre = snabbare maskin just då). "
        "Skapad av `make bench` (tools/bench.py); siffrorna finns också i `results.json`. "
        "Vad som profilerats och ändrats: [docs/prestanda.md](../docs/prestanda.md).",
        "",
        "## Mål",
        "",
        "| Mål | Krav | Uppmätt | |",
        "|---|---|---|---|",
        *target_rows(res),
        "",
        "## Svarstider och genomströmning",
        "",
        f"REST-kanalen med action-servern i loopen, {MESSAGES_PER_CONVERSATION} meddelanden per samtal "
        f"ur tests/routing_cases.yml, {ROUNDS} omgångar nya samtal per nivå (lika många samtidigt hela tiden), "
        f"{WARMUP} uppvärmningsmeddelanden räknas inte. *Golv* = samma last med hälsningar "
        "(action-servern svarar med den fasta hälsningen, utan vägval i katalogen). "
        "*Utan semantiska grannen* = samma bot med STODLOTSEN_SEMANTIC=0. "
        "*Rasa utan våra ändringar* = samma bot och last med STODLOTSEN_SPEEDUPS=0 (inga av våra ändringar i Rasas inre).",
        "",
        "| Samtidiga samtal | Last | p50 ms | p95 ms | p99 ms | meddelanden/s | fel | förlorade | nödsvar |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in LEVELS:
        for kind, name in (("action", "action"), ("floor", "golv")):
            r = res["load"][kind][str(level)]
            lat = r["latency_ms"]
            lines.append(f"| {level} | {name} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {r['throughput_msg_s']} | "
                         f"{r['errors']} | {r['lost']} | {r['static_replies']} |")
        plain = (res["load"].get("no_semantic") or {}).get(str(level))
        if plain:
            lat = plain["latency_ms"]
            lines.append(f"| {level} | action, utan semantiska grannen | {lat['p50']} | {lat['p95']} | {lat['p99']} | "
                         f"{plain['throughput_msg_s']} | {plain['errors']} | {plain['lost']} | {plain['static_replies']} |")
        stock = (res["load"].get("stock") or {}).get(str(level))
        if stock:
            lat = stock["latency_ms"]
            lines.append(f"| {level} | action, Rasa utan våra ändringar | {lat['p50']} | {lat['p95']} | {lat['p99']} | "
                         f"{stock['throughput_msg_s']} | {stock['errors']} | {stock['lost']} | {stock['static_replies']} |")
    lines += ["", "Kvot action/golv (p50-latens; genomströmning golv/action):", ""]
    for level in LEVELS:
        a, f = res["load"]["action"][str(level)], res["load"]["floor"][str(level)]
        lines.append(f"- {level} samtal: p50 {a['latency_ms']['p50'] / max(f['latency_ms']['p50'], 0.1):.2f}×, "
                     f"genomströmning {f['throughput_msg_s'] / max(a['throughput_msg_s'], 0.01):.2f}×")
    mem = res["memory"]
    lines += ["", "![Latens](latency.png)", "", "## Minne efter lasten", "",
              "| Process | antal | RSS MB | PSS MB |", "|---|---:|---:|---:|",
              f"| Rasa | {mem['rasa']['processes']} | {mem['rasa']['rss_mb']} | {mem['rasa']['pss_mb']} |",
              f"| Action-server | {mem['actions']['processes']} | {mem['actions']['rss_mb']} | {mem['actions']['pss_mb']} |",
              f"| Totalt | {mem['total']['processes']} | {mem['total']['rss_mb']} | {mem['total']['pss_mb']} |",
              *([f"| Totalt utan semantiska grannen | {mem['no_semantic_total']['processes']} | "
                 f"{mem['no_semantic_total']['rss_mb']} | {mem['no_semantic_total']['pss_mb']} |"]
                if mem.get("no_semantic_total") else []),
              "", "## Förståelse (undanhållen testmängd, `rasa test nlu`)", "",
              f"{res['understanding']['examples']} exempel: träffsäkerhet **{res['understanding']['accuracy']}**, "
              f"makro-F1 {res['understanding']['macro_f1']}, viktad F1 {res['understanding']['weighted_f1']}.", "",
              "| Avsikt | precision | recall | F1 | antal |", "|---|---:|---:|---:|---:|"]
    for name, v in res["understanding"]["per_intent"].items():
        lines.append(f"| {name} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |")
    lines += ["", "Vanligaste förväxlingarna:", "", "| Rätt avsikt | Gissad | antal |", "|---|---|---:|"]
    lines += [f"| {c['intent']} | {c['predicted']} | {c['count']} |" for c in res["understanding"]["confusions"]]
    scrub = res["scrub"]
    lines += ["", f"## Rensning av personuppgifter, värsta fall ({scrub['chars']} tecken)", "",
              f"Långsammast: *{scrub['worst']}*, {scrub['worst_ms']} ms (tools/privacy_corpus.py, bästa av tre).", "",
              "| Text | ms |", "|---|---:|"]
    lines += [f"| {name} | {ms} |" for name, ms in sorted(scrub["per_text_ms"].items(), key=lambda x: -x[1])[:8]]
    lines += crisis_rows(res)
    lines += ["", "## Jämförelse", ""] + compare(prev, res) + [""]
    (OUT / "REPORT.md").write_text("\n".join(lines), encoding="utf-8")


def plot(res: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x = range(len(LEVELS))
    panels = ((axes[0], "action", "Med action-server (behov)"), (axes[1], "floor", "Golv (hälsning)"))
    for ax, kind, title in panels:
        for i, (p, colour) in enumerate((("p50", "#2a6f97"), ("p95", "#f4a261"), ("p99", "#c1121f"))):
            values = [res["load"][kind][str(level)]["latency_ms"][p] for level in LEVELS]
            ax.bar([v + (i - 1) * 0.27 for v in x], values, width=0.27, label=p, color=colour)
        ax.set_xticks(list(x), [f"{level} samtal\n{res['load'][kind][str(level)]['throughput_msg_s']} msg/s" for level in LEVELS])
        ax.set_ylabel("ms")
        ax.set_title(title)
        ax.axhline(TARGETS["p95_ms_at_10"], color="grey", linestyle="--", linewidth=0.8)
        ax.legend()
    fig.suptitle("Stödlotsen: svarstid per samtidiga samtal (streckad linje = 150 ms)")
    fig.tight_layout()
    fig.savefig(OUT / "latency.png", dpi=110)
    plt.close(fig)


def total_mb(rasa: dict, actions: dict) -> dict:
    return {k: round(rasa[k] + actions[k], 1) for k in ("processes", "rss_mb", "pss_mb")}


def variant(workdir: Path, env: dict, what: str, messages: list[str], levels: tuple) -> tuple[dict, dict]:
    """The same bot started with *env* (what it lacks: *what*) under the same load at *levels*: (load, memory)."""
    other = Bot(workdir, env=env)
    workdir.mkdir()
    say(f"startar samma bot {what} ({' '.join(f'{k}={v}' for k, v in env.items())}) …")
    try:
        other.start()
        result = run_levels(other.url, messages, what, levels)
        return result, total_mb(memory_mb(processes_on(other.rasa_port)), memory_mb(processes_on(other.actions_port)))
    finally:
        other.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Mät Stödlotsens prestanda och förståelse; skriver bench/.")
    parser.add_argument("--skip-train", action="store_true", help="mät inte träningstiden (förra värdet används)")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print("Ingen tränad modell: kör `make train` först (make bench gör det).", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    prev_file = OUT / "results.json"
    prev = json.loads(prev_file.read_text(encoding="utf-8")) if prev_file.exists() else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    res: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit or "?",
                 "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "speed_probe_ms": speed_probe()}}

    if args.skip_train:
        res["training_s"] = (prev or {}).get("training_s")
        res["training_carried_over"] = True
    else:
        res["training_s"] = time_training()
        say(f"träningen tog {res['training_s']} s")

    messages = load.load_messages()
    with tempfile.TemporaryDirectory(prefix="stodlotsen-bench-") as tmp:
        workdir = Path(tmp)
        bot = None
        if answers("http://localhost:5005/"):
            say("använder boten som redan svarar på localhost:5005 (start-tiden mäts inte)")
            url, rasa_port, actions_port, res["startup_s"] = "http://localhost:5005/webhooks/rest/webhook", 5005, 5055, None
        else:
            bot = Bot(workdir)
            say("startar boten som `make run` gör …")
            res["startup_s"] = bot.start()
            say(f"första svaret efter {res['startup_s']} s")
            url, rasa_port, actions_port = bot.url, bot.rasa_port, bot.actions_port
        try:
            res["load"] = {"action": run_levels(url, messages, "behov"), "floor": run_levels(url, FLOOR_MESSAGES, "golv")}
            rasa, actions = memory_mb(processes_on(rasa_port)), memory_mb(processes_on(actions_port))
            res["memory"] = {"rasa": rasa, "actions": actions, "total": total_mb(rasa, actions)}
        finally:
            if bot:
                bot.stop()
        res["load"]["stock"], _ = variant(workdir / "stock", {"STODLOTSEN_SPEEDUPS": "0"}, "utan våra ändringar i Rasa",
                                          messages, (STOCK_LEVEL,))
        res["load"]["no_semantic"], res["memory"]["no_semantic_total"] = variant(
            workdir / "no-semantic", {"STODLOTSEN_SEMANTIC": "0"}, "utan den semantiska grannen", messages, SEMANTIC_LEVELS)
        res["understanding"] = understanding(workdir)
    res["scrub"] = scrubbing()
    res["crisis"] = crisis_layer()
    res["targets"] = targets(res)
    prev_file.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(res, prev)
    plot(res)
    say(f"klart: {OUT / 'REPORT.md'}, {OUT / 'results.json'}, {OUT / 'latency.png'}")
    for name, t in res["targets"].items():
        say(f"  {name}: {t['value']} (mål {t['target']}) {'OK' if t['met'] else 'EJ UPPFYLLT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
