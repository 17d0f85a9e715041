#!/usr/bin/env bash
# Installs everything, creates the SQLite database with demo data, and serves Rootball.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ROOTBALL_SECRET_KEY="${ROOTBALL_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
.venv/bin/rootball demo
host="${ROOTBALL_HOST:-127.0.0.1}"
port="${ROOTBALL_PORT:-8000}"
echo "Rootball 已启动 / is running:  http://${host}:${port}/"
exec .venv/bin/rootball serve --host "$host" --port "$port"
