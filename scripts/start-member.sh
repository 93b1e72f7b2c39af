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
#   --secrets FILE     NAME=value lines, read here and handed to the member on a pipe: the bus file
#                      names them with passwordSecret; '-' reads them from this script's stdin
#   --user USER        run the member as USER (run this script as root): USER must not be able to
#                      read FILE, so that a Jet job submitted through the client port cannot either
#   --foreground       run in the foreground instead (Ctrl-C stops it gracefully)
# Environment: BAMBUS_RUN_DIR (where logs and pid files go), JAVA_OPTS (extra JVM options),
#   BAMBUS_MEMBER_CLASSPATH (the member's jars, ':'-separated, instead of the build's list under ~/.m2).
# Exit status 0 once the member has joined and the bus has started; non-zero with the reason otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAME=member1 HOST=127.0.0.1 PORT=5801 CONFIG="${BAMBUS_CONFIG:-}" CLUSTER=bambus HEAP=512m FOREGROUND=false WAIT=60
MEMBERS="" CLIENT_PORT="" SECRETS="" RUN_AS=""
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
    --secrets) SECRETS="$2"; shift 2 ;;
    --user) RUN_AS="$2"; shift 2 ;;
    --foreground) FOREGROUND=true; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
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
CLASSPATH_JARS="${BAMBUS_MEMBER_CLASSPATH:-$(cat "$MEMBER_CLASSPATH_FILE")}"

# --user: the member runs as an unprivileged user that can read what it needs and not the secrets
AS_USER=()
if [ -n "$RUN_AS" ]; then
  [ "$(id -u)" = 0 ] || die "--user needs root (this script switches to the user); run it as root or drop --user"
  id -u "$RUN_AS" > /dev/null 2>&1 || die "--user: no user '$RUN_AS' on this host; create it (useradd --system $RUN_AS)"
  [ "$(id -u "$RUN_AS")" != 0 ] || die "--user: '$RUN_AS' is root; give an unprivileged user"
  # a clean environment (root's may hold tokens a Jet job could read in /proc/self/environ), no privileges to regain
  AS_USER=(setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --init-groups --reset-env --no-new-privs
    --inh-caps=-all --bounding-set=-all --)
  IFS=: read -ra JARS <<< "$CLASSPATH_JARS"
  for needed in "$CONFIG" "$PLUGIN_JAR" "${JARS[@]}" "$ROOT/scripts/config/hazelcast.yaml" "$ROOT/scripts/config/log4j2.xml"; do
    "${AS_USER[@]}" test -r "$needed" || die "--user: '$RUN_AS' cannot read $needed; install the member's jars and" \
      "configuration where it can (e.g. under /opt/bambus, readable by its group; BAMBUS_MEMBER_CLASSPATH lists the jars)"
  done
fi
# checks that the file at PATH is not readable by the member's user
refuse_readable_secrets() {
  if [ -n "$RUN_AS" ] && "${AS_USER[@]}" test -r "$1"; then
    die "--secrets: '$RUN_AS' can read $1, so a Jet job through the client port could too; chown root and chmod 600 it," \
      "then start again"
  fi
}
# --secrets: read here, handed over on a pipe the member drains and closes at start
SECRETS_TEXT=""
if [ -n "$SECRETS" ]; then
  case " ${JAVA_OPTS:-} " in
    *HeapDumpOnOutOfMemoryError*|*CreateCoredumpOnCrash*)
      die "--secrets: JAVA_OPTS asks for heap or core dumps, which would hold the secrets in a file the member can read;" \
        "drop -XX:+HeapDumpOnOutOfMemoryError (and core dump options) or drop --secrets" ;;
  esac
  if [ "$SECRETS" = - ]; then
    # stdin redirected from a file: that file must pass the same check
    if [ -f /dev/stdin ]; then refuse_readable_secrets "$(readlink -f /proc/$$/fd/0)"; fi
    { set +x; } 2> /dev/null
    SECRETS_TEXT="$(cat)"
  else
    [ -r "$SECRETS" ] || die "--secrets: '$SECRETS' cannot be read"
    refuse_readable_secrets "$SECRETS"
    [ -n "$RUN_AS" ] || echo "warning: the member runs as $(id -un) and can read $SECRETS: a Jet job through the client" \
      "port could read it too; start as root with --user USER (docs/security.md)" >&2
    { set +x; } 2> /dev/null
    SECRETS_TEXT="$(cat "$SECRETS")"
  fi
  # a header the member checks: a process that stole the pipe's head, or some of its lines, leaves it short
  SECRETS_TEXT="#bambus-secrets $(grep -c '^[[:space:]]*[A-Za-z_][A-Za-z0-9_.-]*[[:space:]]*=' <<< "$SECRETS_TEXT" || true)
$SECRETS_TEXT"
fi
PID_FILE="$RUN_DIR/$NAME.pid" LOG="$RUN_DIR/$NAME.log"
if [ -f "$PID_FILE" ] && pid_alive "$(cat "$PID_FILE")"; then
  die "member '$NAME' is already running (pid $(cat "$PID_FILE")); stop it with scripts/stop-member.sh $NAME"
fi

JAVA_BIN="$(command -v java)" || die "no java on PATH; install a JDK 17+"
CMD=(${AS_USER[@]+"${AS_USER[@]}"} "$JAVA_BIN" "${HAZELCAST_OPENS[@]}" "-Xmx$HEAP" ${JAVA_OPTS:-}
  ${SECRETS:+-XX:-CreateCoredumpOnCrash}
  "-Dhazelcast.config=$ROOT/scripts/config/hazelcast.yaml"
  # hazelcast.yaml binds both ports to HOST alone (and connects to other members from it)
  "-Dbambus.cluster=$CLUSTER" "-Dbambus.host=$HOST" "-Dbambus.port=$PORT" "-Dbambus.client.port=$CLIENT_PORT"
  "-Dbambus.members=$MEMBERS" "-Dbambus.config=$CONFIG" ${SECRETS:+-Dbambus.secrets=stdin}
  "-Dlog4j2.configurationFile=$ROOT/scripts/config/log4j2.xml" -Dhazelcast.logging.type=log4j2
  -Dlog4j2.shutdownHookEnabled=false
  -cp "$CLASSPATH_JARS:$PLUGIN_JAR"
  io.bambus.grid.MemberMain)

[ -z "$SECRETS" ] || ulimit -c 0 # no core dump holds them either
if $FOREGROUND; then
  if [ -n "$SECRETS" ]; then
    exec "${CMD[@]}" < <(printf '%s\n' "$SECRETS_TEXT") # a pipe; exec keeps signals going to the member
  fi
  exec "${CMD[@]}"
fi
# keep the logs of earlier runs (the last five) for post-mortems
if [ -f "$LOG" ]; then
  mv "$LOG" "$LOG.$(date +%Y%m%d-%H%M%S-%N)"
  ls -1t "$LOG".* 2>/dev/null | tail -n +6 | xargs -r rm -f
fi
if [ -n "$SECRETS" ]; then
  # a pipe, not a file: once the member has drained it, /proc/PID/fd/0 gives a Jet job nothing
  printf '%s\n' "$SECRETS_TEXT" | nohup "${CMD[@]}" > "$LOG" 2>&1 &
else
  nohup "${CMD[@]}" > "$LOG" 2>&1 < /dev/null &
fi
PID=$!
unset SECRETS_TEXT
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
