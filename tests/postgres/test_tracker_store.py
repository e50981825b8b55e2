"""rasa_wing.tracker_store against a real PostgreSQL server, started for this module in a temp dir.

tools/ensure_postgres.sh installs the server programs when they are missing (apt, as root).
The server (tools/services.Postgres) runs as the `postgres` user (initdb refuses root), listens on
127.0.0.1 on a free port, trusts local connections and is stopped and deleted afterwards.
"""
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from rasa_wing.tracker_store import PURGE_LOCK, PrivateSQLTrackerStore
from tests.conftest import ROOT
from tests.support.store_checks import (
    KEY,
    check_conversation_continues,
    check_conversations_are_counted,
    check_nothing_identifying_is_stored,
    check_retention,
    conversation,
)
from tools import services


@pytest.fixture(scope="module")
def postgres():
    """(host, port) of a fresh PostgreSQL server (tools/services.py)."""
    subprocess.run([str(ROOT / "tools" / "ensure_postgres.sh")], check=True)
    base = Path(tempfile.mkdtemp(prefix="stodlotsen-pg-"))
    server = services.Postgres(base)
    try:
        server.start()
    except RuntimeError as e:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(str(e))
    yield "127.0.0.1", server.port
    server.stop(mode="immediate")
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


def test_postgres_one_instance_purges_at_a_time(pg_store, postgres):
    """Several instances share the database: while one purges (holding the advisory lock), another skips."""
    store, make, _ = pg_store
    other = make()  # a second instance on the same database
    conversation(store, "old-1", timestamp=time.time() - 40 * 86400)
    host, port = postgres
    engine = sa.create_engine(f"postgresql://postgres@{host}:{port}/{store.engine.url.database}")
    with engine.begin() as conn:  # "the first instance is purging"
        assert conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PURGE_LOCK}).scalar()
        assert other.purge_expired() == (0, 0)
    engine.dispose()
    assert other.purge_expired() == (8, 1)  # the lock is free again: the old conversation goes
    assert store.purge_expired() == (0, 0)


def test_postgres_a_missing_sender_index_is_made(pg_store):
    """A table made by an older Rasa lacks the index on the conversation id; the store adds it."""
    store, make, _ = pg_store
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_events_sender_id"))
    again = make()
    indexes = sa.inspect(again.engine).get_indexes("events")
    assert any(ix["column_names"] == ["sender_id"] for ix in indexes), indexes


def test_postgres_conversations_are_counted_in_the_same_database(pg_store):
    store, make, raw_rows = pg_store
    check_conversations_are_counted(store, make)
    assert any(row[1] == "conversation_started" for row in raw_rows())  # the lagesbild table, beside the events
