"""`make cluster` and `make cluster-stop` as a script uses them (python -m tools.cluster start/stop, the commands
the make targets run): start returns once every part answers and prints the proxy's REST address on a line of its
own; stop ends every process the cluster started (they outlive the start command) and removes its directory."""
import os
import re
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

from tests.conftest import ROOT
from tests.support.markers import reply_text
from tools.botserver import post

ADDRESS = re.compile(r"^http://localhost:(\d+)/webhooks/rest/webhook$")


def marked(mark: str) -> list[int]:
    """The processes whose environment holds *mark*: everything the cluster started inherits it."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if mark.encode() in (proc / "environ").read_bytes():
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":  # a zombie has ended; only its parent has not looked yet
                        pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def test_make_cluster_prints_the_address_and_cluster_stop_ends_everything(tmp_path):
    mark = f"kl-make-{uuid.uuid4().hex}"
    pointer = tmp_path / "kluster"
    env = {**os.environ, "STODLOTSEN_CLUSTER_POINTER": str(pointer), "STODLOTSEN_TEST_MARK": mark}
    command = [sys.executable, "-m", "tools.cluster"]
    started = subprocess.run([*command, "start", "--instances", "1"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=600)
    base = Path(pointer.read_text(encoding="utf-8").strip()) if pointer.exists() else None
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        address = started.stdout.strip().splitlines()[-1]
        port = ADDRESS.match(address)
        assert port, started.stdout
        status, messages = post(address, f"kl-make-{uuid.uuid4().hex[:8]}", "mamma dricker varje kväll")
        assert status == 200 and "116 111" in reply_text(messages)  # answered at once: start waited for every part
        with urllib.request.urlopen(f"http://localhost:{port.group(1)}/stodlotsen-widget.js", timeout=10) as r:
            assert r.status == 200  # the proxy serves the widget files
        running = marked(mark)
        assert len(running) >= 5, running  # PostgreSQL, Redis, nginx, Rasa and its action server, outliving `start`
    finally:
        stopped = subprocess.run([*command, "stop"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    assert marked(mark) == []
    assert base is not None and not base.exists() and not pointer.exists()
