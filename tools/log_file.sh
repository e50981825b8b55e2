# Sourced by tools/run.sh: where the output of `make run` goes, readable by this user only from its creation.
# - STODLOTSEN_LOG=/path/to/file: appended to; created here under umask 077, so 0600 from its first byte.
# - Otherwise standard output and error stay where the starting shell put them; when that is a file the shell
#   created with its own umask (e.g. `make run > bot.log`, 0644), it is made 0600 before anything is written.
umask 077
if [ -n "${STODLOTSEN_LOG:-}" ]; then
  exec >>"$STODLOTSEN_LOG" 2>&1
  chmod 600 "$STODLOTSEN_LOG"
else
  for fd in 1 2; do
    target=$(readlink -f "/proc/$$/fd/$fd" 2>/dev/null || true)
    if [ -n "$target" ] && [ -f "$target" ] && [ -O "$target" ]; then
      chmod go-rwx "$target"
    fi
  done
fi
