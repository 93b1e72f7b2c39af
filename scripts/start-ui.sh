#!/usr/bin/env bash
# Starts the management UI (a Hazelcast client of the bus's cluster plus a web server), in the background.
#
#   scripts/start-ui.sh --config path/to/ui.yaml [--foreground]
#
# The configuration names the cluster, the destination (a read-only user is enough) and the users;
# see docs/ui.md. Log: run/ui.log; pid file: run/ui.pid; stop it with
# scripts/stop-ui.sh. Exit status 0 once the UI listens (it prints the URL); non-zero with the reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CONFIG="${BAMBUS_UI_CONFIG:-}" FOREGROUND=false
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --foreground) FOREGROUND=true; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ -n "$CONFIG" ] || die "no UI configuration: pass --config FILE or set BAMBUS_UI_CONFIG"
[ -r "$CONFIG" ] || die "UI configuration '$CONFIG' cannot be read"
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"

ensure_built
ui_java_init
mkdir -p "$RUN_DIR"
PID_FILE="$RUN_DIR/ui.pid" LOG="$RUN_DIR/ui.log"
if [ -f "$PID_FILE" ] && pid_alive "$(cat "$PID_FILE")"; then
  die "the UI is already running (pid $(cat "$PID_FILE")); stop it with scripts/stop-ui.sh"
fi
CMD=("${JAVA_UI[@]}" ${JAVA_OPTS:-} io.bambus.ui.ManagementUi "$CONFIG")
if $FOREGROUND; then
  exec "${CMD[@]}"
fi
nohup "${CMD[@]}" > "$LOG" 2>&1 < /dev/null &
PID=$!
echo "$PID" > "$PID_FILE"
if ! (wait_for_line "$PID" "$LOG" "Management UI listening on" 60 "the management UI"); then
  pid_alive "$PID" || rm -f "$PID_FILE"
  exit 1
fi
URL="$(grep -o 'listening on http[^ ]*' "$LOG" | tail -n 1 | cut -d' ' -f3)"
echo "management UI started: $URL (pid $PID, log $LOG)"
