"""The catalogue the running bot uses: `load(path)`, and `current()`, re-read when the file changes on
disk (checked on every call), the last catalogue that loaded kept while an edit is broken; `watch()`
logs a broken edit when it is saved.

The last good version also survives a restart: every version that loads is copied to the state
directory (`state_directory()`), and a start with a broken file uses that copy, says so in the log
(KATALOGFEL) and in `fallback()` (the staff page shows it), and keeps answering with the local resources.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

from bot.catalogue import Catalogue, CatalogueError, Problem
from bot.catalogue_file import _unreadable, catalogue_path, parse_source, read_source, read_text, write_whole

logger = logging.getLogger(__name__)

STATE_ENV = "STODLOTSEN_STATE"
DEFAULT_STATE = ".stodlotsen-tillstand"  # in the working directory, like the key file (.stodlotsen-nyckel)


def load(path: os.PathLike | str | None = None) -> Catalogue:
    """Load and validate the catalogue file (default: the project's resources.yml)."""
    return read_source(path).catalogue


def state_directory() -> Path:
    """Where the bot keeps what must outlive a restart: $STODLOTSEN_STATE, else the directory systemd gives the
    service ($STATE_DIRECTORY, /var/lib/stodlotsen with deploy/*.service), else .stodlotsen-tillstand in the
    working directory."""
    given = os.environ.get(STATE_ENV) or os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    return Path(given or DEFAULT_STATE)


def last_good_copy(path: os.PathLike | str | None = None) -> Path:
    """Where the last version of *path* that loaded is kept (one copy per catalogue file)."""
    path = catalogue_path(path).absolute()
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:10]
    return state_directory() / "senast-fungerande" / f"{path.stem}-{digest}{path.suffix or '.yml'}"


@dataclass(frozen=True)
class Fallback:
    """The catalogue in use is the saved copy of the last good version: the file was broken at start."""

    copy: Path
    saved: dt.datetime  # when that version was saved (the copy's modification time), local time
    error: CatalogueError  # why the file itself is not used


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple) -> Tuple[Catalogue, str]:
    text = read_text(path)
    return parse_source(text, path).catalogue, text


_last_good: Dict[str, Catalogue] = {}
_failed: Dict[str, tuple] = {}  # path -> stamp of the broken version already reported
_seen = {"reloads": 0, "errors": 0}  # re-reads after an edit, broken edits refused (the operations metrics)
_fallbacks: Dict[str, Fallback] = {}


def reload_counts() -> Dict[str, int]:
    """How often, in this process, the catalogue was read again after an edit, and how many edits were refused."""
    return dict(_seen)


def current(path: os.PathLike | str | None = None) -> Catalogue:
    """The catalogue, re-read only when the file changed on disk (checked on every call).

    A broken edit never takes the bot down: the last catalogue that loaded keeps serving and the
    Swedish error is logged once per broken version. After a restart that is the copy in the state
    directory. Only when no catalogue has ever loaded is the error raised.
    """
    path = catalogue_path(path)
    key = str(path)
    stamp: tuple = ()
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key in _last_good and _failed.get(key) == stamp:
            return _last_good[key]
        cat, text = _cached(key, stamp)
    except (CatalogueError, OSError) as e:
        error = e if isinstance(e, CatalogueError) else CatalogueError(
            problems=[Problem(None, "", _unreadable(e))], name=key)
        if key not in _last_good and not _restore(path, error):
            raise error from e
        if _failed.get(key) != stamp:
            _failed[key] = stamp
            _seen["errors"] += 1
            _log_refused(key, error)
        return _last_good[key]
    _failed.pop(key, None)
    _fallbacks.pop(key, None)
    if _last_good.get(key) is not cat:
        if key in _last_good:
            _seen["reloads"] += 1
            logger.info("Katalogen %s är inläst på nytt (%d resurser).", key, len(cat.resources))
        _keep(path, text)
    _last_good[key] = cat
    return cat


def fallback(path: os.PathLike | str | None = None) -> Fallback | None:
    """Set while the catalogue in use came from the state directory because the file was broken at start."""
    return _fallbacks.get(str(catalogue_path(path)))


def _log_refused(key: str, error: CatalogueError) -> None:
    used = _fallbacks.get(key)
    if used is None:
        logger.error("Katalogen har fel och används inte; den senaste fungerande katalogen gäller tills felet "
                     "är rättat (kör make check):\n%s", error)
    else:
        logger.error("KATALOGFEL: %s har fel och används inte. Boten använder den senast fungerande katalogen, sparad "
                     "%s (%s), med kommunernas egna resurser, tills felet är rättat (kör make check):\n%s",
                     key, used.saved.strftime("%Y-%m-%d %H:%M"), used.copy, error)


def _keep(path: Path, text: str) -> None:
    """Save *text*, a version that loaded, as the last good copy (written whole or not at all)."""
    copy = last_good_copy(path)
    try:
        if copy.is_file() and copy.read_text(encoding="utf-8") == text:
            return
        copy.parent.mkdir(parents=True, exist_ok=True)
        write_whole(copy, text)
    except OSError as e:
        logger.warning("Kunde inte spara den senast fungerande katalogen i %s (%s); efter en omstart med en "
                       "trasig fil finns då bara de inbyggda nödsvaren.", copy.parent, type(e).__name__)


def _restore(path: Path, error: CatalogueError) -> bool:
    """Use the last good copy from the state directory (a start with a broken file); False when there is none."""
    copy = last_good_copy(path)
    try:
        cat = parse_source(copy.read_text(encoding="utf-8"), str(copy)).catalogue
        saved = dt.datetime.fromtimestamp(copy.stat().st_mtime)
    except (OSError, UnicodeDecodeError, CatalogueError):
        return False
    key = str(path)
    _last_good[key] = cat
    _fallbacks[key] = Fallback(copy, saved, error)
    return True


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
