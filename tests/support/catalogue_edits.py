"""Catalogue texts to edit in tests, as staff would: the shipped file, the mini catalogue, and helpers."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot import catalogue, catalogue_file
from tests.conftest import FIXTURES, ROOT

SHIPPED = (ROOT / "resources.yml").read_text(encoding="utf-8")


MINI = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing *needle*."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def errors_of(text: str) -> list[str]:
    with pytest.raises(catalogue.CatalogueError) as info:
        catalogue_file.parse(text, "k.yml")
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems)
    return lines


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


KONTOR = '    phone: "000 222"\n'


def bump(path: Path, text: str) -> None:
    """Write *text* and move the modification time forward, as an editor saving a second later would."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 2 * 10**9
    os.utime(path, ns=(later, later))


def broken_shipped_copy() -> str:
    text = replace_once(SHIPPED, 'phone: "116 111"', 'phone: "11G 111"')
    text = replace_once(text, "    chat: https://mind.se/\n", "    chatt: https://mind.se/\n")
    text = replace_once(text, "  - id: kvinnofridslinjen\n    name: Kvinnofridslinjen\n", "  - id: kvinnofridslinjen\n")
    text = replace_once(text, 'journalförs)"\n    last_verified: 2026-12-02', 'journalförs)"\n    last_verified: 2025-13-40')
    text = replace_once(text, '    phone: "1177"\n', "    phone: 1177\n")
    text = replace_once(text, '        tue: ["13:00-15:00"]', '        tue: ["13.00-15.00"]')
    text = replace_once(text, "    service: familjestod\n", "    service: familjestod\n    service: familjestöd\n")
    text = replace_once(text, "      child: [bris, elevhalsa]\n", "      child: [briss, elevhalsa]\n")
    return text
