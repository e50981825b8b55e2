"""The cluster tier (make cluster-test): Redis, PostgreSQL and nginx from Debian, started in temporary
directories on loopback (tools/services.py; tools/ensure_cluster.sh installs them when missing)."""
import subprocess

import pytest

from tests.conftest import ROOT
from tools import services


@pytest.fixture(scope="session", autouse=True)
def _programs():
    subprocess.run([str(ROOT / "tools" / "ensure_cluster.sh")], check=True)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = services.Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
