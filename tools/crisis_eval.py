#!/usr/bin/env python
"""The crisis vote on the held-out sets in tests/crisis/: recall and false alarms, per signal.

    .venv/bin/python -m tools.crisis_eval [--model models/stodlotsen.tar.gz] [--show]

Reads the trained classifier and the semantic neighbour's index from the model archive and runs
the vote (`bot.crisis_vote.decide`) the way the bot does – the neighbour only when
`needs_semantic` asks for it – with every signal, without each one, and with each one alone.
Recall counts a crisis message whose reply leads with 112 (a crisis kind, or a need with 112
first when only a weak signal saw danger right now); a false alarm is a calm message that gets
the same. Also: how often the neighbour is asked on the bench's load
(tests/routing_cases.yml), which is what it costs. `make bench` calls `evaluate`.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot import crisis
from bot.crisis import NO_INTENT, UNSURE_ACUTE
from bot.crisis_vote import SIGNALS, Settings, decide, needs_semantic
from bot.intent_model import IntentModel
from bot.semantic import Encoder, Neighbours

ROOT = Path(__file__).resolve().parent.parent

MODEL = ROOT / "models" / "stodlotsen.tar.gz"
CRISIS_SET = ROOT / "tests" / "crisis" / "heldout_crisis.yml"
CALM_SET = ROOT / "tests" / "crisis" / "heldout_calm.yml"
ROUTING = ROOT / "tests" / "routing_cases.yml"
CONFIGS = {"alla tre": SIGNALS, **{f"utan {s}": tuple(x for x in SIGNALS if x != s) for s in SIGNALS},
           **{f"bara {s}": (s,) for s in SIGNALS}}


def _pipeline_config() -> Tuple[dict, float]:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    override = next(c for c in config["pipeline"] if c["name"].endswith("CrisisOverride"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    return override, float(fallback["threshold"])


def load_model(path: Path = MODEL) -> Tuple[IntentModel, Neighbours]:
    """The classifier and the neighbour's index from a trained Rasa model archive."""
    override, _ = _pipeline_config()
    wanted = {"intent_model.skops": None, "semantic_neighbours.npz": None}
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if name in wanted and member.isfile():
                wanted[name] = tar.extractfile(member).read()
    missing = [k for k, v in wanted.items() if v is None]
    if missing:
        raise SystemExit(f"{path}: {', '.join(missing)} saknas – träna om med make train")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        skops = Path(tmp) / "intent_model.skops"
        skops.write_bytes(wanted["intent_model.skops"])
        model = IntentModel.load(skops)
    neighbours = Neighbours.load(io.BytesIO(wanted["semantic_neighbours.npz"]), float(override.get("semantic_margin", 0.0)))
    return model, neighbours


def _ranking(model: IntentModel, text: str, threshold: float) -> List[Tuple[str, float]]:
    """The ranking the vote sees: the classifier's, behind NO_INTENT (Rasa's nlu_fallback) when it is unsure."""
    from bot.text import fold

    if not fold(text):
        return []
    ranking = model.rank([text])[0]
    return [(NO_INTENT, threshold), *ranking] if ranking[0][1] < threshold else ranking


def evaluate(model_path: Path = MODEL, show: bool = False, overrides: Dict | None = None) -> Dict:
    """Recall and false alarms for each choice of signals; *overrides* replace config.yml's settings."""
    override, threshold = _pipeline_config()
    override = {**override, **(overrides or {})}
    settings = Settings(**{k: override[k] for k in Settings.__dataclass_fields__ if k in override and k != "signals"})
    model, neighbours = load_model(model_path)
    neighbours.margin = float(override.get("semantic_margin", neighbours.margin))
    encoder = Encoder(threads=1)
    crisis_cases = yaml.safe_load(CRISIS_SET.read_text(encoding="utf-8"))
    calm_cases = yaml.safe_load(CALM_SET.read_text(encoding="utf-8"))
    texts = [c["text"] for c in crisis_cases + calm_cases]
    start = time.perf_counter()
    vectors = encoder.embed(texts)
    embed_ms = (time.perf_counter() - start) * 1000 / len(texts)
    rows = [(crisis.assess(t), _ranking(model, t, threshold), neighbours.opinion(v)) for t, v in zip(texts, vectors, strict=True)]

    results: Dict[str, Dict] = {}
    for name, signals in CONFIGS.items():
        chosen = Settings(**{**settings.__dict__, "signals": signals})
        decisions = []
        for text, (rules, ranking, opinion) in zip(texts, rows, strict=True):
            asked = needs_semantic(text, rules if "rules" in signals else crisis.Assessment(None, rules.idiom, None),
                                   ranking if "classifier" in signals else [], chosen)
            decisions.append(decide(rules, ranking, opinion if asked else None, chosen))
        found = [d.kind is not None or d.hint == UNSURE_ACUTE for d in decisions[:len(crisis_cases)]]
        strict = [d.kind is not None for d in decisions[:len(crisis_cases)]]
        alarms = [d.kind is not None or d.hint == UNSURE_ACUTE for d in decisions[len(crisis_cases):]]
        idioms = [a for a, c in zip(alarms, calm_cases, strict=True) if c.get("group") == "idiom"]
        missed = [c for c, f in zip(crisis_cases, found, strict=True) if not f]
        results[name] = {
            "signals": list(signals),
            "recall": round(sum(found) / len(found), 3), "crisis": len(found), "missed": len(missed),
            "crisis_kind": sum(strict),
            "missed_by_lang": dict(Counter(c["lang"] for c in missed)),
            "false_alarms": sum(alarms), "calm": len(alarms),
            "idiom_false_alarms": sum(idioms), "idioms": len(idioms),
        }
        if show and name == "alla tre":
            for c, f in zip(crisis_cases, found, strict=True):
                if not f:
                    print(f"MISSAD  [{c['lang']}] {c['text']}")
            for c, a, d in zip(calm_cases, alarms, decisions[len(crisis_cases):], strict=True):
                if a:
                    print(f"LARM    [{c['lang']}] {c['text']}  {[s for s, k in d.votes.items() if k] or d.hint}")

    # What the neighbour costs under the bench's load: how often it is asked.
    from tools.load import load_messages

    load_texts = load_messages(ROUTING)
    asked = sum(needs_semantic(t, crisis.assess(t), _ranking(model, t, threshold), settings) for t in load_texts)
    return {"configs": results, "embed_ms_per_message": round(embed_ms, 1),
            "asked_share_on_load": round(asked / len(load_texts), 3), "load_messages": len(load_texts)}


def table(res: Dict) -> List[str]:
    lines = ["| Signaler | recall (kris) | med krissvar | missade | falsklarm (lugna) | falsklarm bland idiom |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in res["configs"].items():
        found = r["crisis"] - r["missed"]
        lines.append(f"| {name} | {r['recall']} ({found}/{r['crisis']}) | {r['crisis_kind']} | {r['missed']} | "
                     f"{r['false_alarms']}/{r['calm']} | {r['idiom_false_alarms']}/{r['idioms']} |")
    return lines


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--show", action="store_true", help="lista missade krismeddelanden och falsklarm")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--min-recall", type=float, default=0.0, help="slutkod 1 under denna recall (alla tre signaler)")
    parser.add_argument("--max-idiom-alarms-per-50", type=float, default=None,
                        help="slutkod 1 över så många falsklarm per 50 idiom (alla tre signaler)")
    args = parser.parse_args(argv)
    res = evaluate(args.model, args.show)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        print("\n".join(table(res)))
        print(f"\nGrannen tillfrågas för {res['asked_share_on_load']:.1%} av lastens {res['load_messages']} meddelanden; "
              f"inbäddning {res['embed_ms_per_message']} ms per meddelande (en tråd).")
    every = res["configs"]["alla tre"]
    per_50 = 50 * every["idiom_false_alarms"] / max(every["idioms"], 1)
    if every["recall"] < args.min_recall:
        print(f"Krisrecall {every['recall']} under kravet {args.min_recall}", file=sys.stderr)
        return 1
    if args.max_idiom_alarms_per_50 is not None and per_50 > args.max_idiom_alarms_per_50:
        print(f"{per_50:.2f} falsklarm per 50 idiom, kravet är högst {args.max_idiom_alarms_per_50}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
