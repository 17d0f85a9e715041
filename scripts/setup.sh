#!/usr/bin/env bash
# Installs Rootball and its tools into .venv (and front-end packages into node_modules).
# Used by run.sh and test.sh; safe to run again. Installer output is shown only when it fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

extras="${1:-}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
quietly() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "failed: $*" >&2
    exit 1
  fi
}

echo "installing Rootball into .venv ..."
[ -x .venv/bin/python ] || quietly python3 -m venv .venv
quietly .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
quietly .venv/bin/python -m pip install --disable-pip-version-check -e ".${extras:+[$extras]}"
if [ -f package-lock.json ]; then
  echo "installing front-end packages (npm ci) ..."
  quietly npm ci --no-audit --no-fund
fi
