#!/usr/bin/env bash
# Starts one Hazelcast member with the BAM event bus plugin, in the background.
#
#   scripts/start-member.sh --name m1 --port 5801 --config path/to/bus.yaml
#
# Options (defaults in brackets):
#   --name NAME        member name: log run/NAME.log, pid file run/NAME.pid [member1]
#   --host ADDR        the one address the member binds to, advertises and connects from [127.0.0.1]
#   --port PORT        member port on ADDR: other members only [5801]
#   --client-port P    client port on ADDR: the UI and the CLI connect here [PORT + 100]
#   --config FILE      bus configuration (sources, destination, definitions) [$BAMBUS_CONFIG]
#   --members LIST     cluster members to join [ADDR:5801,ADDR:5802,ADDR:5803]
#   --cluster NAME     Hazelcast cluster name [bambus]
#   --heap SIZE        -Xmx [512m]
#   --wait SECONDS     how long to wait for the bus to report started [60]; a member joining a busy
#                      cluster with thousands of sessions may need longer
#   --foreground       run in the foreground instead (Ctrl-C stops it gracefully)
# Environment: BAMBUS_RUN_DIR (where logs and pid files go), JAVA_OPTS (extra JVM options).
# Exit status 0 once the member has joined and the bus has started; non-zero with the reason otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAME=member1 HOST=127.0.0.1 PORT=5801 CONFIG="${BAMBUS_CONFIG:-}" CLUSTER=bambus HEAP=512m FOREGROUND=false WAIT=60
MEMBERS="" CLIENT_PORT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --client-port) CLIENT_PORT="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --members) MEMBERS="$2"; shift 2 ;;
    --cluster) CLUSTER="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --wait) WAIT="$2"; shift 2 ;;
    --foreground) FOREGROUND=true; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ -n "$CONFIG" ] || die "no bus configuration: pass --config FILE or set BAMBUS_CONFIG"
[ -r "$CONFIG" ] || die "bus configuration '$CONFIG' cannot be read"
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "--port must be a number from 1 to 65535, got '$PORT'"
[[ "$WAIT" =~ ^[0-9]+$ ]] && [ "$WAIT" -ge 1 ] || die "--wait must be a whole number of seconds (at least 1), got '$WAIT'"
[ -n "$CLIENT_PORT" ] || CLIENT_PORT=$((PORT + 100))
[[ "$CLIENT_PORT" =~ ^[0-9]+$ ]] && [ "$CLIENT_PORT" -ge 1 ] && [ "$CLIENT_PORT" -le 65535 ] \
  || die "--client-port must be a number from 1 to 65535 (the default is --port + 100), got '$CLIENT_PORT'"
[ "$CLIENT_PORT" != "$PORT" ] || die "--client-port must differ from --port ($PORT): members and clients get a port each"
[[ "$HOST" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "--host must be an IPv4 address of this machine, got '$HOST'"
[ -n "$MEMBERS" ] || MEMBERS="$HOST:5801,$HOST:5802,$HOST:5803"
[[ "$NAME" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--name may hold letters, digits, '_', '.' and '-' only"
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"

ensure_built
mkdir -p "$RUN_DIR"
PID_FILE="$RUN_DIR/$NAME.pid" LOG="$RUN_DIR/$NAME.log"
if [ -f "$PID_FILE" ] && pid_alive "$(cat "$PID_FILE")"; then
  die "member '$NAME' is already running (pid $(cat "$PID_FILE")); stop it with scripts/stop-member.sh $NAME"
fi

CMD=(java "${HAZELCAST_OPENS[@]}" "-Xmx$HEAP" ${JAVA_OPTS:-}
  "-Dhazelcast.config=$ROOT/scripts/config/hazelcast.yaml"
  # hazelcast.yaml binds both ports to HOST alone (and connects to other members from it)
  "-Dbambus.cluster=$CLUSTER" "-Dbambus.host=$HOST" "-Dbambus.port=$PORT" "-Dbambus.client.port=$CLIENT_PORT"
  "-Dbambus.members=$MEMBERS" "-Dbambus.config=$CONFIG"
  "-Dlog4j2.configurationFile=$ROOT/scripts/config/log4j2.xml" -Dhazelcast.logging.type=log4j2
  -Dlog4j2.shutdownHookEnabled=false
  -cp "$(cat "$MEMBER_CLASSPATH_FILE"):$PLUGIN_JAR"
  com.hazelcast.core.server.HazelcastMemberStarter)

if $FOREGROUND; then
  exec "${CMD[@]}"
fi
# keep the logs of earlier runs (the last five) for post-mortems
if [ -f "$LOG" ]; then
  mv "$LOG" "$LOG.$(date +%Y%m%d-%H%M%S-%N)"
  ls -1t "$LOG".* 2>/dev/null | tail -n +6 | xargs -r rm -f
fi
nohup "${CMD[@]}" > "$LOG" 2>&1 < /dev/null &
PID=$!
echo "$PID" > "$PID_FILE"
# wait (bounded) until the bus reports started, or the process dies
if ! (wait_for_line "$PID" "$LOG" "BAM event bus started" "$WAIT" "member '$NAME'"); then
  if pid_alive "$PID"; then
    # not stopped here: it may be joining a busy cluster and start yet
    echo "error: member '$NAME' is still running (pid $PID) and may start yet: watch $LOG, stop it with" \
      "scripts/stop-member.sh $NAME (and start it with a longer --wait)" >&2
  else
    rm -f "$PID_FILE"
  fi
  exit 1
fi
echo "member '$NAME' started: pid $PID, address $HOST:$PORT, clients connect to $HOST:$CLIENT_PORT, log $LOG"
