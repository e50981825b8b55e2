"""Start the bot (action server + Rasa) on free loopback ports for end-to-end tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "stodlotsen.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """Whether anything answers a GET on *url* within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def post(url: str, sender: str, message, timeout: float = 30, metadata: dict | None = None) -> tuple[int, list]:
    """POST one message to the REST webhook at *url*: (HTTP status, the bot's messages)."""
    payload = {"sender": sender, "message": message}
    if metadata is not None:
        payload["metadata"] = metadata
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode() or "[]")
    except urllib.error.HTTPError as e:
        return e.code, []


class BotServer:
    def __init__(self, workdir: Path, env: dict | None = None, actions_url: str | None = None,
                 cors: list[str] | None = None, stores: str | None = None, detach: bool = False):
        """*actions_url*: point Rasa at this action server instead of starting our own (e.g. a stub).
        *cors*: the web page origins Rasa allows (`rasa run --cors`); none by default.
        *stores*: endpoints.yml's tracker_store (and lock_store) sections instead of the SQLite file
        (tools/cluster.py). *detach*: the processes get a session of their own and outlive this one."""
        self.cors = list(cors or [])
        self.stores = stores
        self.detach = detach
        self.rasa_proc: subprocess.Popen | None = None
        self.workdir = workdir
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.metrics_port = free_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"  # the operations metrics (rasa_wing/metrics.py)
        self.statistics_db = workdir / "test-statistik.db"  # the lägesbild's counters, beside the tracker store
        self.actions_url = actions_url
        self.actions_proc: subprocess.Popen | None = None
        # The operations metrics on a free port; the lägesbild's counters beside the tracker store in workdir,
        # stored every half second so that tests can read them.
        self.env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                    "SANIC_HOST": "127.0.0.1", "STODLOTSEN_METRICS_PORT": str(self.metrics_port),
                    "STODLOTSEN_ENDPOINTS": str(workdir / "endpoints.yml"), "STODLOTSEN_STATISTICS_FLUSH_SECONDS": "0.5",
                    "STODLOTSEN_STATE": str(workdir / "tillstand"),
                    **(env or {})}
        self.procs: list[subprocess.Popen] = []

    @property
    def db(self) -> Path:
        """The SQLite tracker store (rasa_wing.tracker_store.PrivateSQLTrackerStore)."""
        return self.workdir / "test.db"

    @property
    def key_file(self) -> Path:
        """The key for pseudonymous conversation ids (created by the bot on first start)."""
        return self.workdir / "hash.key"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start(self, timeout: float = 240) -> BotServer:
        self.launch()
        return self.wait_up(timeout)

    def launch(self) -> None:
        """Start the processes without waiting for them (`wait_up` waits)."""
        endpoints = self.workdir / "endpoints.yml"
        stores = self.stores or (
            f'tracker_store:\n  type: rasa_wing.tracker_store.PrivateSQLTrackerStore\n  dialect: "sqlite"\n'
            f'  db: "{self.db}"\n  key_file: "{self.key_file}"\n')
        endpoints.write_text(
            f'action_endpoint:\n  url: "{self.actions_url or f"http://127.0.0.1:{self.actions_port}/webhook"}"\n'
            f'  enable_selective_domain: true\n' + stores,
            encoding="utf-8",
        )
        # Append mode for every process writing the log, so that a restarted action server
        # (start_actions) or Rasa (restart_rasa) and the other never write over each other's lines.
        (self.workdir / "bot.log").write_bytes(b"")
        if self.actions_url is None:
            self._spawn_actions()
        self._spawn_rasa()

    def _spawn_rasa(self) -> None:
        log = open(self.workdir / "bot.log", "ab")  # noqa: SIM115 - closed with the process
        self.rasa_proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "rasa_wing.serve", "run", "--model", str(MODEL),
             "--endpoints", str(self.workdir / "endpoints.yml"), "--credentials", str(ROOT / "credentials.yml"),
             "--interface", "127.0.0.1", "--port", str(self.rasa_port), *(["--cors", *self.cors] if self.cors else [])],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=self.detach)
        self.procs.append(self.rasa_proc)

    def wait_up(self, timeout: float = 240) -> BotServer:
        """Wait until Rasa (and our action server) answer; stop everything if one exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    self.stop()
                    raise RuntimeError("the bot exited during start-up:\n" + self.log_tail())
            if self._up(f"http://127.0.0.1:{self.rasa_port}/") and (
                    self.actions_url is not None or self._up(f"http://127.0.0.1:{self.actions_port}/health")):
                return self
            time.sleep(1)
        self.stop()
        raise RuntimeError("the bot did not start in time:\n" + self.log_tail())

    def _spawn_actions(self) -> None:
        log = open(self.workdir / "bot.log", "ab")  # noqa: SIM115 - closed with the process
        self.actions_proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "rasa_wing.action_server", "--actions", "actions",
             "--port", str(self.actions_port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=self.detach)
        self.procs.append(self.actions_proc)

    def stop_actions(self) -> None:
        """Stop only the action server (fault tests); Rasa keeps running."""
        if self.actions_proc is not None:
            self.actions_proc.terminate()
            try:
                self.actions_proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.actions_proc.kill()
            self.procs.remove(self.actions_proc)
            self.actions_proc = None

    def start_actions(self, timeout: float = 120) -> None:
        """Start the action server again after stop_actions() and wait until it answers."""
        self._spawn_actions()
        self._await(self.actions_proc, f"http://127.0.0.1:{self.actions_port}/health", "the action server", timeout)

    def kill_rasa(self) -> None:
        """Kill Rasa at once (SIGKILL: no clean shutdown, as in a crash); the action server keeps running."""
        if self.rasa_proc is not None:
            self.rasa_proc.kill()
            self.rasa_proc.wait(timeout=20)
            self.procs.remove(self.rasa_proc)
            self.rasa_proc = None

    def restart_rasa(self, timeout: float = 240) -> None:
        """Start Rasa again after kill_rasa(), on the same port, and wait until it answers."""
        self._spawn_rasa()
        self._await(self.rasa_proc, f"http://127.0.0.1:{self.rasa_port}/", "Rasa", timeout)

    def _await(self, proc: subprocess.Popen, url: str, what: str, timeout: float) -> None:
        """Wait until *url* answers; fail when *proc* exits first or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited during start-up:\n" + self.log_tail())
            if self._up(url):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what} did not start in time:\n" + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        path = self.workdir / "bot.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    @staticmethod
    def _up(url: str) -> bool:
        return answers(url)

    def send(self, sender: str, message, timeout: float = 30, metadata: dict | None = None) -> tuple[int, list]:
        return post(self.url, sender, message, timeout, metadata)

    @property
    def catalogue(self) -> Path:
        """The catalogue file of a bot made by `on_catalogue`."""
        return self.workdir / "resources.yml"

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs.clear()


def on_catalogue(workdir: Path, text: str, env: dict | None = None, cors: list[str] | None = None) -> BotServer:
    """A bot (not started yet) that reads *text* as its catalogue: written to workdir/resources.yml, which
    STODLOTSEN_CATALOGUE names; tests edit that file while the bot runs, or before it starts again."""
    path = workdir / "resources.yml"
    path.write_text(text, encoding="utf-8")
    return BotServer(workdir, env={"STODLOTSEN_CATALOGUE": str(path), **(env or {})}, cors=cors)
