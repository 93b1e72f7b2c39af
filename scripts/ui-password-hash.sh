#!/usr/bin/env bash
# Prints the bcrypt hash of a password for the UI configuration's users (passwordHash, or a file
# named by passwordHashFile). Asks on the terminal; or reads one line from standard input:
#
#   scripts/ui-password-hash.sh
#   printf '%s\n' "$PASSWORD" | scripts/ui-password-hash.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_built
ui_java_init
exec "${JAVA_UI[@]}" io.bambus.ui.PasswordHash
