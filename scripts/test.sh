#!/usr/bin/env bash
# The test command (README, "Run the tests"): sets up on a bare Debian machine what the tests need,
# then runs `mvn -B verify` with any arguments given. Installs the browser of the UI's tests and
# iptables of the partition tests when missing (root or sudo); uses the MySQL-compatible server on
# 127.0.0.1:3306 when one answers (else the tests start an embedded one).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ -z "${BAMBUS_TEST_JDBC_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null; then
  export BAMBUS_TEST_JDBC_URL="jdbc:mysql://127.0.0.1:3306/"
fi
echo "test database: ${BAMBUS_TEST_JDBC_URL:-embedded MariaDB (none answers on 127.0.0.1:3306)}"
command -v mvn > /dev/null || { echo "error: Maven (mvn) is not installed; install it (Debian: apt-get install maven) and a JDK 17+" >&2; exit 2; }
if [ -z "${BAMBUS_CHROMIUM:-}" ] || [ -z "${BAMBUS_CHROMEDRIVER:-}" ]; then
  scripts/install-browser.sh
fi
if ! command -v iptables > /dev/null && ! [ -x /usr/sbin/iptables ]; then
  echo "installing iptables for the partition test and the chaos soak ..."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo > /dev/null || { echo "error: the partition test and the chaos soak need iptables: run as root, or install sudo, or install iptables (Debian: apt-get install iptables)" >&2; exit 2; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq iptables > /dev/null
fi
exec mvn -B verify "$@"
