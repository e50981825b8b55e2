"""bot.catalogue_store: a good edit is used at once, a broken one is logged in Swedish and the last good
catalogue keeps answering."""
from __future__ import annotations

import os
import time

import pytest

from bot import catalogue, catalogue_store
from tests.support.catalogue_edits import KONTOR, MINI, bump

BAD_EDITS = {
    "not-yaml": "{{{ inte yaml",
    "empty": "",
    "tab": MINI.replace(KONTOR, "\t" + KONTOR.lstrip()),
    "duplicate-key": MINI.replace(KONTOR, KONTOR + '    phone: "000 333"\n'),
    "no-name": MINI.replace("    name: Kontorslinjen\n", ""),
    "unknown-field": MINI.replace(KONTOR, KONTOR + "    phnoe: 1\n"),
    "bad-date": MINI.replace("last_verified: 2026-11-01\n  - id: alfa_familj", "last_verified: 2025-13-40\n  - id: alfa_familj"),
    "bad-phone": MINI.replace(KONTOR, '    phone: "00G 222"\n'),
}



@pytest.mark.parametrize("name", sorted(BAD_EDITS))
def test_a_bad_edit_keeps_answers_and_logs_the_swedish_error_once(tmp_path, caplog, name):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    good = catalogue_store.current(path)
    assert good.resource("kontor").phone == "000 222"
    bump(path, BAD_EDITS[name])
    caplog.clear()
    assert catalogue_store.current(path) is good
    assert catalogue_store.current(path) is good
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1, caplog.text  # once per broken version, not once per message
    assert "den senaste fungerande katalogen" in errors[0].getMessage()
    assert str(path) in errors[0].getMessage()
    with pytest.raises(catalogue.CatalogueError) as info:  # make check shows the same error
        catalogue_store.load(path)
    assert str(info.value) in errors[0].getMessage()



def test_a_good_edit_is_used_at_once_and_a_deleted_file_keeps_the_last(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    assert catalogue_store.current(path).resource("kontor").phone == "000 222"
    bump(path, MINI.replace(KONTOR, '    phone: "000 999"\n'))
    assert catalogue_store.current(path).resource("kontor").phone == "000 999"
    path.unlink()
    assert catalogue_store.current(path).resource("kontor").phone == "000 999"



def test_the_watcher_logs_a_broken_save_without_waiting_for_a_message(tmp_path, caplog):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    assert catalogue_store.current(path).resource("kontor").phone == "000 222"  # the last good one
    catalogue_store.watch(path, interval=0.2)
    assert catalogue_store.watch(path) is catalogue_store.watch(path)  # one thread per file
    bump(path, MINI.replace(KONTOR, '    phone: "00G 222"\n'))
    deadline = time.monotonic() + 5
    while "'00G 222' innehåller bokstäver" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "'00G 222' innehåller bokstäver" in caplog.text
    assert catalogue_store.current(path).resource("kontor").phone == "000 222"



@pytest.mark.parametrize("name", ["50-mb", "latin-1"])
def test_a_huge_or_wrongly_encoded_save_keeps_the_last_good(tmp_path, name):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    good = catalogue_store.current(path)
    if name == "50-mb":
        with path.open("ab") as f:
            f.truncate(50_000_000)
    else:
        path.write_bytes(MINI.replace("000 222", "000 999").encode("latin-1"))
    later = time.time_ns() + 3 * 10**9
    os.utime(path, ns=(later, later))
    assert catalogue_store.current(path) is good
    assert good.resource("kontor").phone == "000 222"

