"""Print the held-out NLU result (from `rasa test nlu`) and fail below a minimum accuracy."""
from __future__ import annotations

import argparse
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("report", help="intent_report.json written by rasa test nlu")
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    args = ap.parse_args()
    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)
    rows = [(k, v) for k, v in report.items() if isinstance(v, dict) and "f1-score" in v and k not in
            ("macro avg", "weighted avg", "micro avg")]
    print(f"{'avsikt':28} {'precision':>9} {'recall':>7} {'f1':>6} {'antal':>6}")
    for name, v in sorted(rows, key=lambda kv: kv[1]["f1-score"]):
        print(f"{name:28} {v['precision']:9.2f} {v['recall']:7.2f} {v['f1-score']:6.2f} {v['support']:6}")
    accuracy = report.get("accuracy")
    if accuracy is None:
        accuracy = report.get("micro avg", {}).get("f1-score", 0.0)
    print(f"\nAvsiktsträffsäkerhet på den undanhållna testmängden: {accuracy:.3f} (krav ≥ {args.min_accuracy:.2f})")
    return 0 if accuracy >= args.min_accuracy else 1


if __name__ == "__main__":
    sys.exit(main())
