"""The cluster tier (make cluster-test): Redis, PostgreSQL and nginx from Debian, started in temporary
directories on loopback (tools/services.py; tools/ensure_cluster.sh installs them when missing)."""
import subprocess

import pytest

from tests.conftest import ROOT
from tools import services
from tools.botserver import MODEL
from tools.cluster import Cluster


@pytest.fixture(scope="session", autouse=True)
def _programs():
    subprocess.run([str(ROOT / "tools" / "ensure_cluster.sh")], check=True)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = services.Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """Two Rasa instances behind nginx, sharing PostgreSQL and Redis, for the whole tier. Its catalogue
    is a copy (`cluster.catalogue`) that a test may edit; the fault drills leave it whole again."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    tmp = tmp_path_factory.mktemp("cluster")
    catalogue = tmp / "resources.yml"
    catalogue.write_bytes((ROOT / "resources.yml").read_bytes())
    server = Cluster(None, instances=2, env={"STODLOTSEN_CATALOGUE": str(catalogue)})
    server.catalogue = catalogue
    server.start()
    yield server
    server.stop()
