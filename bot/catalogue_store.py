"""The catalogue the running bot uses: `load(path)`, and `current()`, re-read when the file changes on
disk (checked on every call), the last catalogue that loaded kept while an edit is broken; `watch()`
logs a broken edit when it is saved."""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Dict

from bot.catalogue import Catalogue, CatalogueError, Problem
from bot.catalogue_file import _unreadable, catalogue_path, read_source

logger = logging.getLogger(__name__)


def load(path: os.PathLike | str | None = None) -> Catalogue:
    """Load and validate the catalogue file (default: the project's resources.yml)."""
    return read_source(path).catalogue


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple) -> Catalogue:
    return load(path)


_last_good: Dict[str, Catalogue] = {}
_failed: Dict[str, tuple] = {}  # path -> stamp of the broken version already reported
_seen = {"reloads": 0, "errors": 0}  # re-reads after an edit, broken edits refused (the operations metrics)


def reload_counts() -> Dict[str, int]:
    """How often, in this process, the catalogue was read again after an edit, and how many edits were refused."""
    return dict(_seen)


def current(path: os.PathLike | str | None = None) -> Catalogue:
    """The catalogue, re-read only when the file changed on disk (checked on every call).

    A broken edit never takes the bot down: the last catalogue that loaded keeps serving and the
    Swedish error is logged once per broken version. Only when no catalogue has ever loaded is the
    error raised.
    """
    path = catalogue_path(path)
    key = str(path)
    stamp: tuple = ()
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key in _last_good and _failed.get(key) == stamp:
            return _last_good[key]
        cat = _cached(key, stamp)
    except (CatalogueError, OSError) as e:
        error = e if isinstance(e, CatalogueError) else CatalogueError(
            problems=[Problem(None, "", _unreadable(e))], name=key)
        if key not in _last_good:
            raise error from e
        if _failed.get(key) != stamp:
            _failed[key] = stamp
            _seen["errors"] += 1
            logger.error("Katalogen har fel och används inte; den senaste fungerande katalogen gäller tills felet "
                         "är rättat (kör make check):\n%s", error)
        return _last_good[key]
    _failed.pop(key, None)
    if _last_good.get(key) is not cat and key in _last_good:
        _seen["reloads"] += 1
        logger.info("Katalogen %s är inläst på nytt (%d resurser).", key, len(cat.resources))
    _last_good[key] = cat
    return cat


_watchers: Dict[str, threading.Thread] = {}


def watch(path: os.PathLike | str | None = None, interval: float = 1.0) -> threading.Thread:
    """Check the file every *interval* seconds in a daemon thread (once per path), so a broken edit is
    logged when it is saved, not at the next message. Answers never wait for it: `current()` also
    checks on every call."""
    key = str(catalogue_path(path))
    if key in _watchers and _watchers[key].is_alive():
        return _watchers[key]

    def loop() -> None:
        reported = None
        while True:
            try:
                current(key)
                reported = None
            except CatalogueError as e:  # nothing valid has loaded yet: say so once per message text
                if str(e) != reported:
                    reported = str(e)
                    logger.error("Katalogen kan inte användas och ingen tidigare version finns:\n%s", e)
            stop.wait(interval)

    stop = threading.Event()
    thread = threading.Thread(target=loop, name=f"katalogbevakning:{key}", daemon=True)
    _watchers[key] = thread
    thread.start()
    return thread
