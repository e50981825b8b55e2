"""The layering in `.importlinter`: the domain (bot/) imports no Rasa, and the contract covers every
domain module, so a new module cannot slip past it."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract(name: str) -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config[f"importlinter:contract:{name}"]


def test_every_domain_module_is_under_the_domain_contract():
    listed = set(_contract("domain")["source_modules"].split())
    on_disk = {f"bot.{p.stem}" for p in (ROOT / "bot").glob("*.py") if p.stem != "__init__"}
    assert on_disk - listed == set(), "add these modules to .importlinter's domain contract"
    assert listed - on_disk == set(), "these modules in .importlinter no longer exist"


def test_the_domain_contract_forbids_rasa_and_the_wing():
    forbidden = set(_contract("domain")["forbidden_modules"].split())
    assert {"rasa", "rasa_sdk", "sanic", "bot.adapters", "actions"} <= forbidden


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
@pytest.mark.parametrize("module, line", [
    ("hours.py", "import rasa.shared  # noqa"),
    ("replies.py", "from bot.adapters import speedups  # noqa"),
])
def test_lint_imports_fails_on_a_violation(tmp_path, module, line):
    """A copy of the code with one forbidden import breaks the contract; the copy without it keeps it."""
    for package in ("bot", "actions", "tools"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}
    kept = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert kept.returncode == 0, kept.stdout[-2000:]
    with open(tmp_path / "bot" / module, "a", encoding="utf-8") as f:
        f.write(f"\n{line}\n")
    broken = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
