"""tools/log_file.sh (sourced by tools/run.sh): the run log is readable by its owner only from its creation."""
import os
import stat
import subprocess

from tests.conftest import ROOT


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_stodlotsen_log_is_created_0600(tmp_path):
    log = tmp_path / "bot.log"
    subprocess.run(["bash", "-c", "umask 022; source tools/log_file.sh; echo rad; echo fel >&2"], cwd=ROOT, check=True,
                   env={**os.environ, "STODLOTSEN_LOG": str(log)})
    assert _mode(log) == 0o600 and log.read_text() == "rad\nfel\n"


def test_a_file_the_shell_created_for_the_output_is_made_0600(tmp_path):
    log = tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if k != "STODLOTSEN_LOG"}
    subprocess.run(["bash", "-c", f"umask 022; exec > '{log}' 2>&1; source tools/log_file.sh; echo rad"], cwd=ROOT,
                   check=True, env=env)
    assert _mode(log) == 0o600 and log.read_text() == "rad\n"
