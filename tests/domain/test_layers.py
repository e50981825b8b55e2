"""The layering in `.importlinter`: the domain (bot/) imports no Rasa, and the contract names the whole
package, so a new module is covered the moment it exists."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract(name: str) -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config[f"importlinter:contract:{name}"]


def test_the_domain_contract_covers_the_whole_package():
    assert _contract("domain")["source_modules"].split() == ["bot"]


def test_the_domain_contract_forbids_rasa_and_the_wing():
    forbidden = set(_contract("domain")["forbidden_modules"].split())
    assert {"rasa", "rasa_sdk", "sanic", "aiohttp", "rasa_wing", "actions", "staff", "tools"} <= forbidden


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")
@pytest.mark.parametrize("module, line", [
    ("hours.py", "import rasa.shared  # noqa"),
    ("replies.py", "from rasa_wing import speedups  # noqa"),
])
def test_lint_imports_fails_on_a_violation(tmp_path, module, line):
    """A copy of the code with one forbidden import breaks the contract; the copy without it keeps it."""
    for package in ("bot", "rasa_wing", "actions", "staff", "tools"):
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
