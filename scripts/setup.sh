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

# The PDF documents are made by WeasyPrint, which needs Pango and HarfBuzz from the distribution, and
# embed the distribution's Noto CJK fonts; install what is missing (as root on Debian, like test.sh).
if command -v dpkg >/dev/null; then
  missing=()
  for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "installing ${missing[*]} ..."
      quietly apt-get update -qq
      quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      echo "warning: PDF documents need ${missing[*]} (apt-get install as root)" >&2
    fi
  fi
fi

echo "installing Rootball into .venv ..."
[ -x .venv/bin/python ] || quietly python3 -m venv .venv
quietly .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
quietly .venv/bin/python -m pip install --disable-pip-version-check -e ".${extras:+[$extras]}"
if [ -f package-lock.json ]; then
  echo "installing front-end packages (npm ci) ..."
  quietly npm ci --no-audit --no-fund
fi
