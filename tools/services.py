"""Throw-away servers from Debian's packages, in a directory of their own, on loopback only.

`Postgres`, `Redis` and `Nginx` each start their program on 127.0.0.1 on a free port, keep every
file under their directory, and stop it again (the tests of the tracker store, `make cluster`).
tools/ensure_cluster.sh (tools/ensure_postgres.sh for PostgreSQL alone) installs the programs when
missing. Each can be stopped and started again on the same port with its data (the fault drills).

The processes are started in a session of their own, so that `make cluster` can return while
they go on; `stop` ends them by their process id. No Rasa imports here.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stop_pid(pid: int, timeout: float = 20.0) -> None:
    """TERM the process *pid*, KILL it if it is still there after *timeout* seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child (make cluster-stop): look whether it is gone
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait(check, what: str, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
    raise RuntimeError(f"{what} did not start in {timeout:g} s\n{tail}")


class Postgres:
    """A PostgreSQL server in *base*/data: trusts loopback connections, `postgres` is its user.

    It runs as the `postgres` system user when we are root (initdb refuses root), so *base* is
    given to that user."""

    def __init__(self, base: Path, port: int | None = None) -> None:
        self.base, self.port = Path(base), port or free_port()
        self.data, self.log = self.base / "data", self.base / "server.log"
        self.bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])

    def _as_server_user(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def _run(self, *cmd: str) -> None:
        subprocess.run(self._as_server_user([str(self.bindir / cmd[0]), *cmd[1:]]), check=True, cwd=self.base,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

    def start(self) -> Postgres:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        try:
            if not self.data.exists():
                self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                          "--no-sync")
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                      f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                      "start")
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"PostgreSQL did not start: {e.stdout.decode(errors='replace')}") from e
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (*mode*: smart, fast or immediate); its data stays."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                                                 "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


class Redis:
    """A Redis server on 127.0.0.1: memory only (no snapshot, no append-only file)."""

    def __init__(self, base: Path, port: int | None = None) -> None:
        self.base, self.port = Path(base), port or free_port()
        self.log = self.base / "redis.log"
        self.pid: int | None = None

    def start(self, timeout: float = 20) -> Redis:
        self.base.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--protected-mode", "yes",
             "--save", "", "--appendonly", "no", "--dir", str(self.base), "--logfile", str(self.log),
             "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = proc.pid
        _wait(self.ping, "Redis", timeout, self.log)
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.pid is not None:
            stop_pid(self.pid)
            self.pid = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Nginx:
    """nginx with the configuration *conf* (a whole nginx.conf; `{base}` is replaced by its directory)."""

    def __init__(self, base: Path, conf: str) -> None:
        self.base = Path(base)
        self.conf_file, self.log = self.base / "nginx.conf", self.base / "nginx-error.log"
        self.conf = conf
        self.pid: int | None = None

    def start(self, port: int, timeout: float = 20) -> Nginx:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "tmp").mkdir(parents=True, exist_ok=True)  # nginx makes its folders inside, for its workers
        self.conf_file.write_text(self.conf.replace("{base}", str(self.base)), encoding="utf-8")
        proc = subprocess.Popen(
            ["/usr/sbin/nginx", "-p", str(self.base), "-c", str(self.conf_file), "-e", str(self.log),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = proc.pid
        _wait(lambda: port_open(port), "nginx", timeout, self.log)
        return self

    def stop(self) -> None:
        if self.pid is not None:
            stop_pid(self.pid)
            self.pid = None
