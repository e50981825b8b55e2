"""What storing a conversation needs besides scrubbing: the pseudonymous conversation id (a keyed hash,
the key from the environment or a key file) and how long a conversation is kept. No Rasa imports: the
tracker store (`rasa_wing/tracker_store.py`) calls these."""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

KEY_ENV = "STODLOTSEN_HASH_KEY"
KEY_FILE_ENV = "STODLOTSEN_HASH_KEY_FILE"
DEFAULT_KEY_FILE = ".stodlotsen-nyckel"
RETENTION_ENV = "STODLOTSEN_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
SENDER_PREFIX = "anon-"


def hash_sender(sender_id: str, key: bytes) -> str:
    """A keyed hash (HMAC-SHA256) of the conversation id: stable for the same key, not reversible."""
    digest = hmac.new(key, str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest


def load_key(path: os.PathLike | str | None = None) -> bytes:
    """The hashing key: `STODLOTSEN_HASH_KEY`, else the key file (created on first run, mode 0600)."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        if len(from_env) < 16:
            raise ValueError(f"{KEY_ENV} är för kort: använd minst 16 tecken (gärna 64 slumpade hextecken).")
        return from_env.encode("utf-8")
    path = Path(path or os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 16:
            raise ValueError(f"Nyckelfilen {path} är tom eller för kort. Ta bort den så skapas en ny.") from None
        return key.encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    logger.info("Skapade en ny nyckel för pseudonyma samtals-id i %s", path)
    return key.encode("ascii")


def retention_days(configured: Any = None) -> int:
    """Days a conversation is kept: `STODLOTSEN_RETENTION_DAYS`, else *configured*, else 30."""
    return days_setting(RETENTION_ENV, configured, DEFAULT_RETENTION_DAYS, 1, "Lagringstiden")


def days_setting(env: str, configured: Any, default: int, least: int, what: str) -> int:
    """A number of days from the environment variable *env*, else *configured*, else *default*; at least
    *least*. A wrong value is an error in Swedish naming *what* ("Lagringstiden")."""
    raw = os.environ.get(env) or configured
    if raw in (None, ""):
        return default
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{what} måste vara ett heltal (dagar), inte {raw!r}.") from None
    if days < least:
        raise ValueError(f"{what} måste vara minst {least} {'dag' if least == 1 else 'dagar'}, inte {days}.")
    return days
