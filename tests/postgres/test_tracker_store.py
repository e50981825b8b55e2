"""rasa_wing.tracker_store against a real PostgreSQL server, started for this module in a temp dir.

tools/ensure_postgres.sh installs the server programs when they are missing (apt, as root).
The server runs as the `postgres` user (initdb refuses root), listens on 127.0.0.1 on a free
port, trusts local connections and is stopped and deleted afterwards.
"""
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from rasa_wing.tracker_store import PrivateSQLTrackerStore
from tests.conftest import ROOT
from tests.support.store_checks import KEY, check_conversation_continues, check_nothing_identifying_is_stored, check_retention
from tools.botserver import free_port


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="module")
def postgres():
    """(host, port) of a fresh PostgreSQL server."""
    subprocess.run([str(ROOT / "tools" / "ensure_postgres.sh")], check=True)
    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    base = Path(tempfile.mkdtemp(prefix="stodlotsen-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    run = dict(check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=base)
    try:
        subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                        "-E", "UTF8", "--locale=C", "--no-sync"]), **run)
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                                        "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                                        "start"]), **run)
    except subprocess.CalledProcessError as e:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {e.stdout.decode(errors='replace')}")
    yield "127.0.0.1", port
    subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("STODLOTSEN_HASH_KEY", KEY)
    monkeypatch.delenv("STODLOTSEN_RETENTION_DAYS", raising=False)


@pytest.fixture
def pg_store(postgres, domain, request):
    host, port = postgres
    db = f"stodlotsen_{request.node.name.replace('test_', '')[:40]}"
    stores = []

    def make(**kwargs):
        # login_db: connect to 'postgres' first and create the database, as a municipality would configure it
        store = PrivateSQLTrackerStore(domain=domain, dialect="postgresql", host=host, port=port, username="postgres",
                                       db=db, login_db="postgres", **kwargs)
        stores.append(store)
        return store

    def raw_rows():
        engine = sa.create_engine(f"postgresql://postgres@{host}:{port}/{db}")
        with engine.connect() as conn:
            tables = [t for (t,) in conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))]
            rows = [tuple(row) for t in tables for row in conn.execute(sa.text(f'SELECT * FROM "{t}"'))]
        engine.dispose()
        return rows

    yield make(), make, raw_rows
    for store in stores:
        store.close()


def test_postgres_stores_nothing_identifying(pg_store):
    store, _, raw_rows = pg_store
    assert store.engine.dialect.name == "postgresql"
    check_nothing_identifying_is_stored(store, raw_rows)


def test_postgres_conversation_continues_after_restart(pg_store):
    store, make, _ = pg_store
    check_conversation_continues(store, make)


def test_postgres_retention(pg_store):
    store, make, _ = pg_store
    check_retention(store, make)
