"""Every reply (need × reader × municipality, at three fixed times, and the opening-hours answers) is
the same as in tests/fixtures/replies.txt. A refactoring must not change what people read; an intended
change is made by regenerating the file and reviewing the diff:

    .venv/bin/python -m tools.reply_snapshot > tests/fixtures/replies.txt
"""
from __future__ import annotations

import difflib
from pathlib import Path

from bot import catalogue_store
from tools import reply_snapshot

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests" / "fixtures" / "replies.txt"


def test_replies_are_unchanged(monkeypatch):
    monkeypatch.delenv("STODLOTSEN_KOMMUN", raising=False)
    rendered = reply_snapshot.render(catalogue_store.load(ROOT / "resources.yml"))
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if rendered != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), rendered.splitlines(True),
                                                 "tests/fixtures/replies.txt", "now", n=1))[:80])
        raise AssertionError("A reply changed. If intended, regenerate the snapshot (see the module docstring).\n" + diff)
