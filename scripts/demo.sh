#!/usr/bin/env bash
# The one-command demo: builds if needed, starts a database (embedded MariaDB unless
# BAMBUS_DEMO_JDBC_URL names a server), two sources with a producer writing orders, then member 1
# (A: it runs both sessions), then member 2 (B: it takes one over), and prints every few seconds
# where the events are and who runs which session, and starts the management UI (it prints the URL
# and a first login). Ctrl-C stops everything.
#
#   scripts/demo.sh [--duration SECONDS] [--rate ORDERS_PER_SECOND] [--ui-port PORT]
#
# While it runs, try in another terminal:  scripts/stop-member.sh member1 --kill   (C and D)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DURATION=0 RATE=20 UI_PORT=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --ui-port) UI_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

ensure_built
DEMO_DIR="$RUN_DIR/demo"
mkdir -p "$DEMO_DIR"
demo_java_init
MEMBERS="127.0.0.1:5801,127.0.0.1:5802"
CLIENT_ADDRESSES="127.0.0.1:5901,127.0.0.1:5902"   # start-member.sh's client ports: member port + 100
PIDS=()

cleanup() {
  trap - EXIT INT TERM
  echo; echo "stopping the demo ..."
  [ -f "$RUN_DIR/ui.pid" ] && "$ROOT/scripts/stop-ui.sh" || true
  for name in member2 member1; do
    [ -f "$RUN_DIR/$name.pid" ] && "$ROOT/scripts/stop-member.sh" "$name" --timeout 60 || true
  done
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo stopped; logs are in $RUN_DIR"
}
trap cleanup EXIT INT TERM

echo "starting the database ..."
start_demo_database "$DEMO_DIR" 3307 "$RUN_DIR/demo-database.log"
PIDS+=("$DB_PID")
echo "database ready: $(grep '^READY' "$RUN_DIR/demo-database.log" | cut -d' ' -f2)"

"${JAVA_DEMO[@]}" io.bambus.grid.demo.DemoProducer "$DEMO_DIR/bus.yaml" "$RATE" > "$RUN_DIR/demo-producer.log" 2>&1 &
PIDS+=($!)
echo "producer writing $RATE orders/s into each of the sources shop and crm"

status() { "${JAVA_DEMO[@]}" io.bambus.grid.demo.DemoStatus "$DEMO_DIR/bus.yaml" bambus-demo "$CLIENT_ADDRESSES" "$1" "$2" 2>/dev/null; }

echo; echo "== A: member1 starts and runs both sessions"
"$ROOT/scripts/start-member.sh" --name member1 --port 5801 --members "$MEMBERS" --cluster bambus-demo --config "$DEMO_DIR/bus.yaml"
status 3 2
echo; echo "== B: member2 joins and takes a share of the sessions"
"$ROOT/scripts/start-member.sh" --name member2 --port 5802 --members "$MEMBERS" --cluster bambus-demo --config "$DEMO_DIR/bus.yaml"
echo "   (C and D: 'scripts/stop-member.sh member1 --kill' in another terminal; the survivor takes over)"

echo; echo "starting the management UI ..."
ui_java_init
UI_PASSWORD="$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)"
UI_HASH="$(printf '%s\n' "$UI_PASSWORD" | "${JAVA_UI[@]}" io.bambus.ui.PasswordHash)"
DESTINATION_URL="$(sed -n 's/^destination: { jdbcUrl: "\([^"]*\)".*/\1/p' "$DEMO_DIR/bus.yaml")"
cat > "$DEMO_DIR/ui.yaml" <<YAML
http: { host: 127.0.0.1, port: $UI_PORT }
cluster: { name: bambus-demo, addresses: ["127.0.0.1:5901", "127.0.0.1:5902"] }
destination: { jdbcUrl: "$DESTINATION_URL", username: root, password: "" }
users:
  - { name: admin, role: operator, passwordHash: "$UI_HASH" }
YAML
"$ROOT/scripts/start-ui.sh" --config "$DEMO_DIR/ui.yaml"
echo "   open http://127.0.0.1:$UI_PORT/ and log in as: admin / $UI_PASSWORD"
if [ "$DURATION" -gt 0 ]; then
  status 3 $(( (DURATION + 2) / 3 ))
else
  status 3 0
fi
