#!/usr/bin/env bash
# Stops the management UI started by start-ui.sh (SIGTERM; it closes its client, pool and server).
#
#   scripts/stop-ui.sh [--timeout SECONDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TIMEOUT=30
[ "${1:-}" = "--timeout" ] && TIMEOUT="$2"
PID_FILE="$RUN_DIR/ui.pid"
[ -f "$PID_FILE" ] || die "no pid file $PID_FILE: the UI was not started by start-ui.sh here"
PID="$(cat "$PID_FILE")"
if pid_alive "$PID"; then
  kill -TERM "$PID"
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    pid_alive "$PID" || break
    sleep 0.1
  done
  pid_alive "$PID" && die "the UI (pid $PID) did not stop within ${TIMEOUT}s; kill -9 $PID if it must go"
fi
rm -f "$PID_FILE"
echo "management UI stopped"
