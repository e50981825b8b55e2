"""`make run` (tools/run.sh) keeps the bot up: a process that dies is started again while the others
go on serving, and the systemd units in deploy/ say the same for a server. End to end on free ports."""
from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.markers import found, reply_text
from tools.botserver import MODEL, ROOT, answers, free_port

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def _pids(*words: str) -> list[int]:
    """Processes whose command line holds every one of *words* (only ours: their ports are unique)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if all(w in cmdline for w in words):
                pids.append(int(proc.name))
    return pids


def _wait(check, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


def _send(url: str, sender: str, text: str) -> list:
    req = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def test_run_restarts_a_process_that_died_and_the_others_keep_serving(tmp_path):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    rasa, actions, web = free_port(), free_port(), free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(  # names port 5055, as endpoints.yml does: run.sh points Rasa at ACTIONS_PORT
        'action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n'
        f'tracker_store:\n  type: rasa_wing.tracker_store.PrivateSQLTrackerStore\n  dialect: "sqlite"\n'
        f'  db: "{tmp_path / "run.db"}"\n  key_file: "{tmp_path / "key"}"\n', encoding="utf-8")
    env = {**os.environ, "RASA_PORT": str(rasa), "ACTIONS_PORT": str(actions), "WEB_PORT": str(web),
           "ENDPOINTS": str(endpoints), "FB_VERIFY_TOKEN": "", "FB_APP_SECRET": "", "FB_PAGE_ACCESS_TOKEN": "",
           "STODLOTSEN_METRICS_PORT": str(free_port())}  # not the default 9540 a bot on this machine may have
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    run = subprocess.Popen(["bash", str(ROOT / "tools" / "run.sh")], cwd=ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{rasa}/webhooks/rest/webhook"
    rasa_up = lambda: answers(f"http://127.0.0.1:{rasa}/")  # noqa: E731
    actions_up = lambda: answers(f"http://127.0.0.1:{actions}/health")  # noqa: E731
    try:
        _wait(lambda: rasa_up() and actions_up(), 300)
        first = reply_text(_send(url, "sup-1", "jag blir mobbad"))
        assert "116 111" in first and "tekniskt fel" not in first, first

        # the action server dies: Rasa and the demo page go on, every message gets the safe reply
        (pid,) = _pids("rasa_wing.action_server", f"--port {actions}")
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: not actions_up(), 10)
        down = reply_text(_send(url, "sup-2", "jag blir mobbad"))
        assert "tekniskt fel" in down and {"akut", "bris"} <= found(down)
        assert answers(f"http://127.0.0.1:{web}/")
        _wait(actions_up, 120)
        assert _pids("rasa_wing.action_server", f"--port {actions}") != [pid]
        assert "tekniskt fel" not in reply_text(_send(url, "sup-2b", "jag blir mobbad")), "the action server is not used"

        # Rasa dies: the action server and the demo page go on; Rasa comes back by itself
        (pid,) = _pids("rasa_wing.serve", f"--port {rasa}")
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: not rasa_up(), 10)
        assert actions_up() and answers(f"http://127.0.0.1:{web}/")
        _wait(rasa_up, 300)
        assert "116 111" in reply_text(_send(url, "sup-3", "jag blir mobbad"))
        assert "avslutades" in (tmp_path / "run.log").read_text(errors="replace")
        for name in ("run.db", "run.db-wal", "run.db-shm"):
            if (tmp_path / name).exists():
                assert (tmp_path / name).stat().st_mode & 0o077 == 0, name
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        try:
            run.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
        log.close()
    time.sleep(1)
    assert _pids(f"--port {rasa}") == [] and _pids(f"--port {actions}") == [], "Ctrl-C/TERM left a process behind"


# --- systemd ---------------------------------------------------------------------------------------------

def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(path, encoding="utf-8")
    return unit


def test_there_are_units_for_rasa_and_the_action_server():
    # stodlotsen-rasa@.service: the template for one of several instances (make cluster, docs/drift.md)
    assert {p.name for p in UNITS} == {"stodlotsen-rasa.service", "stodlotsen-actions.service", "stodlotsen-rasa@.service"}


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_each_unit_restarts_on_failure_as_its_own_user_with_read_only_code(path):
    service = _unit(path)["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] == "stodlotsen" and service["Group"] == "stodlotsen"
    assert service["ProtectSystem"] == "strict" and service["ProtectHome"] == "yes"
    assert service["NoNewPrivileges"] == "yes" and service["UMask"] == "0077"
    assert "/opt/stodlotsen" in service["ReadOnlyPaths"].split()
    assert service["StateDirectory"] == "stodlotsen" and service["WorkingDirectory"] == "/var/lib/stodlotsen"
    assert service["ExecStart"].startswith("/opt/stodlotsen/.venv/bin/python -m rasa_wing.")
    interface = "127.0.0.1"
    if "--interface ${RASA_INTERFACE}" in service["ExecStart"]:  # the template: loopback unless changed on purpose
        interface = "${RASA_INTERFACE}"
        assert "Environment=RASA_INTERFACE=127.0.0.1\n" in path.read_text(encoding="utf-8")
    assert f"--interface {interface}" in service["ExecStart"] or "action_server" in service["ExecStart"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """`systemd-analyze verify` on the units, with /opt/stodlotsen pointing at this checkout."""
    for path in UNITS:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace("/opt/stodlotsen", str(ROOT)),
                                          encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.glob("*.service")))],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "stodlotsen" in line]
    assert result.returncode == 0 and problems == [], problems
