import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import catalogue

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="session")
def shipped():
    """The catalogue that ships with the project."""
    return catalogue.load(ROOT / "resources.yml")


@pytest.fixture(scope="session")
def mini():
    """A small catalogue for the routing mechanics."""
    return catalogue.load(FIXTURES / "mini_catalogue.yml")


def at(text: str) -> dt.datetime:
    """A Stockholm time from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    """The whole bot (action server + Rasa) on free loopback ports, one per test module that asks."""
    from tests.botserver import MODEL, BotServer

    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    server = BotServer(tmp_path_factory.mktemp("bot")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def installed_speedups():
    """Rasa with the hot-path fixes (bot/adapters/speedups.py) for one test module; stock Rasa after it."""
    from bot.adapters import speedups

    speedups.uninstall()
    applied = speedups.install()
    yield applied
    speedups.uninstall()
