import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import catalogue_store

ROOT = Path(__file__).resolve().parent.parent
# What the store keeps across restarts (the last good catalogue, the staff page's dated copies) goes to a temporary
# directory during tests, never into the working directory (bot.catalogue_store.state_directory).
os.environ.setdefault("STODLOTSEN_STATE", tempfile.mkdtemp(prefix="stodlotsen-tillstand-"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="session")
def shipped():
    """The catalogue that ships with the project."""
    return catalogue_store.load(ROOT / "resources.yml")


@pytest.fixture(scope="session")
def mini():
    """A small catalogue for the routing mechanics."""
    return catalogue_store.load(FIXTURES / "mini_catalogue.yml")


def conversation_section() -> str:
    """The `conversation:` section of the mini catalogue, for tests that build a catalogue from a few lines
    (every catalogue needs one). Its placeholders name the mini catalogue's resources `nod` and `dygnet`."""
    text = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")
    return text[text.index("conversation:\n"):text.index("\nneeds:\n")] + "\n"


def at(text: str) -> dt.datetime:
    """A Stockholm time from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    """The whole bot (action server + Rasa) on free loopback ports, one per test module that asks."""
    from tools.botserver import MODEL, BotServer

    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = BotServer(tmp_path_factory.mktemp("bot")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def installed_speedups():
    """Rasa with the hot-path fixes (rasa_wing/speedups.py) for one test module; stock Rasa after it."""
    from rasa_wing import speedups

    speedups.uninstall()
    applied = speedups.install()
    yield applied
    speedups.uninstall()


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (browser tests; `make browser-test` installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: run `make browser-test` (tools/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
