#!/usr/bin/env bash
# Stops a member started by start-member.sh gracefully: SIGTERM; the member finishes each
# session's in-flight batch, hands its partitions (and so its sessions) over, then exits.
#
#   scripts/stop-member.sh NAME [--timeout SECONDS] [--kill]
#
# --kill sends SIGKILL instead (a crash, for drills and tests). Exit status 0 once the process is gone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: scripts/stop-member.sh NAME [--timeout SECONDS] [--kill]"
NAME="$1"; shift
TIMEOUT=90 SIGNAL=TERM
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --kill) SIGNAL=KILL; shift ;;
    *) die "unknown option '$1'" ;;
  esac
done
PID_FILE="$RUN_DIR/$NAME.pid"
[ -f "$PID_FILE" ] || die "no pid file $PID_FILE: member '$NAME' was not started by start-member.sh here"
PID="$(cat "$PID_FILE")"
if ! pid_alive "$PID"; then
  rm -f "$PID_FILE"
  echo "member '$NAME' (pid $PID) is not running"
  exit 0
fi
kill "-$SIGNAL" "$PID"
for _ in $(seq 1 $((TIMEOUT * 10))); do
  if ! pid_alive "$PID"; then
    rm -f "$PID_FILE"
    echo "member '$NAME' (pid $PID) stopped ($SIGNAL)"
    exit 0
  fi
  sleep 0.1
done
die "member '$NAME' (pid $PID) still runs after ${TIMEOUT}s; see $RUN_DIR/$NAME.log (scripts/stop-member.sh $NAME --kill ends it)"
