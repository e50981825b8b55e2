"""Where the lägesbild's counts are kept: one table of counters beside the conversations (no Rasa imports).

SQLite by default, in its own file beside the tracker store's (`stodlotsen.db` → `stodlotsen-statistik.db`), so
that the counts can be kept for years while conversations are deleted after days, and so that the two never
share a lock; with PostgreSQL, a table `lagesbild` in the tracker store's database. Both the Rasa process
(conversations started and continued, `rasa_wing/tracker_store.py`) and the action server (every reply,
`rasa_wing/action_server.py`) add to it; an addition is one upsert per counter (`n = n + k`), so any number of
processes and machines may add at once.

The table holds a week, a kind, categories and a number – never text, a conversation id or a time. In SQLite it
is a table without row ids, so not even the order in which counters first appeared is kept.

Counts older than `statistics_days` (default 730, two years; env `STODLOTSEN_STATISTICS_DAYS`) are deleted.
"""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Tuple

import sqlalchemy as sa
import yaml

from bot import storage
from bot.counts import CATEGORIES, Cell, iso_week

TABLE = "lagesbild"
DAYS_ENV = "STODLOTSEN_STATISTICS_DAYS"
DEFAULT_DAYS = 730
ENDPOINTS_ENV = "STODLOTSEN_ENDPOINTS"
DEFAULT_ENDPOINTS = "endpoints.yml"
SQLITE_SUFFIX = "-statistik"

_metadata = sa.MetaData()
counts_table = sa.Table(
    TABLE, _metadata,
    *(sa.Column(name, sa.String(64), primary_key=True, nullable=False) for name in CATEGORIES),
    sa.Column("n", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)


def statistics_days(configured: Any = None) -> int:
    """Days the counts are kept: `STODLOTSEN_STATISTICS_DAYS`, else *configured*, else 730; 0 turns counting off."""
    return storage.days_setting(DAYS_ENV, configured, DEFAULT_DAYS, 0, "Tiden som lägesbildens räknare sparas")


def beside(tracker_url: str | sa.engine.URL) -> sa.engine.URL:
    """The counts' database for a tracker store at *tracker_url*: a sibling SQLite file, or the same server."""
    url = sa.engine.make_url(tracker_url)
    if url.get_backend_name() != "sqlite":
        return url
    db = url.database or ""
    if db in ("", ":memory:"):
        return url
    path = Path(db)
    return url.set(database=str(path.with_name(path.stem + SQLITE_SUFFIX + (path.suffix or ".db"))))


def _expand(value: Any) -> Any:
    return os.path.expandvars(value) if isinstance(value, str) else value


def tracker_settings(endpoints: str | os.PathLike | None = None) -> Dict[str, Any]:
    """The `tracker_store` section of endpoints.yml (`STODLOTSEN_ENDPOINTS`, else ./endpoints.yml), with
    `${VAR}` taken from the environment as Rasa does; {} when the file or the section is missing."""
    path = Path(endpoints or os.environ.get(ENDPOINTS_ENV) or DEFAULT_ENDPOINTS)
    if not path.is_file():
        return {}
    section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    return {k: _expand(v) for k, v in section.items()} if isinstance(section, Mapping) else {}


def tracker_url(settings: Mapping[str, Any]) -> sa.engine.URL:
    """The tracker store's database URL from its settings, as Rasa's SQLTrackerStore builds it: the server is
    `url` (Rasa passes it as the store's host; a `host` key would be given twice and stop Rasa)."""
    dialect = settings.get("dialect") or "sqlite"
    db = settings.get("db") or "rasa.db"
    if dialect == "sqlite":
        return sa.engine.URL.create("sqlite", database=str(db))
    return sa.engine.URL.create(dialect, username=settings.get("username"), password=settings.get("password"),
                                host=settings.get("url") or settings.get("host"),
                                port=int(settings["port"]) if settings.get("port") else None,
                                database=str(db))


def locate(endpoints: str | os.PathLike | None = None) -> Tuple[sa.engine.URL, int]:
    """The counts' database and how many days counts are kept, from endpoints.yml (a missing file: the default
    SQLite file beside ./stodlotsen.db)."""
    settings = tracker_settings(endpoints) or {"dialect": "sqlite", "db": "stodlotsen.db"}
    return beside(tracker_url(settings)), statistics_days(settings.get("statistics_days"))


def _engine(url: sa.engine.URL) -> sa.engine.Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # the Rasa process and the action server add at the same time
        cursor.close()

    return engine


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class Store:
    """The counters in a database (*url*: an SQLAlchemy URL), kept *days* days (`purge`)."""

    def __init__(self, url: str | sa.engine.URL, days: int = DEFAULT_DAYS) -> None:
        self.url = sa.engine.make_url(url)
        self.days = days
        self.engine = _engine(self.url)
        self._ready = False

    def _create(self) -> None:
        if not self._ready:
            _metadata.create_all(self.engine, tables=[counts_table])
            self._ready = True

    def add(self, counts: Mapping[Cell, int]) -> None:
        """Add *counts* to the stored counters, in one transaction."""
        if not counts:
            return
        self._create()
        insert = _insert(self.engine.dialect.name)(counts_table)
        upsert = insert.on_conflict_do_update(index_elements=list(CATEGORIES),
                                              set_={"n": counts_table.c.n + insert.excluded.n})
        rows = [{**{name: getattr(cell, name) for name in CATEGORIES}, "n": int(n)}
                for cell, n in sorted(counts.items())]
        with self.engine.begin() as conn:
            conn.execute(upsert, rows)

    def purge(self, today: dt.date | None = None) -> int:
        """Delete counters of weeks that ended more than `days` days ago; the number of counters deleted."""
        self._create()
        cutoff = iso_week((today or dt.date.today()) - dt.timedelta(days=self.days))
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(counts_table).where(counts_table.c.week < cutoff)).rowcount or 0

    def read(self, first: str | None = None, last: str | None = None, kinds: Iterable[str] | None = None) -> Counter[Cell]:
        """The counters of the weeks *first* to *last* (ISO weeks, both included; None: no limit)."""
        self._create()
        query = sa.select(counts_table)
        if first:
            query = query.where(counts_table.c.week >= first)
        if last:
            query = query.where(counts_table.c.week <= last)
        if kinds is not None:
            query = query.where(counts_table.c.kind.in_(list(kinds)))
        found: Counter[Cell] = Counter()
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[Cell(**{name: row._mapping[name] for name in CATEGORIES})] += int(row._mapping["n"])
        return found

    def weeks(self) -> List[str]:
        """The weeks that have counters, oldest first."""
        self._create()
        with self.engine.connect() as conn:
            return [w for (w,) in conn.execute(sa.select(counts_table.c.week).distinct().order_by(counts_table.c.week))]

    def close(self) -> None:
        self.engine.dispose()
