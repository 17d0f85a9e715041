#!/usr/bin/env bash
# Installs everything, creates the SQLite database with demo data, and runs Rootball: the web
# server and, beside it, the scheduler that fires timers and queues reminders (mail waits in the
# outbox until ROOTBALL_SMTP_URL names a mail server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ROOTBALL_SECRET_KEY="${ROOTBALL_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
.venv/bin/rootball demo
host="${ROOTBALL_HOST:-127.0.0.1}"
port="${ROOTBALL_PORT:-8000}"
export ROOTBALL_BASE_URL="${ROOTBALL_BASE_URL:-http://${host}:${port}}"

.venv/bin/rootball scheduler &
scheduler=$!
trap 'kill "$scheduler" 2>/dev/null || true' EXIT INT TERM
echo "Rootball 已启动 / is running:  http://${host}:${port}/"
.venv/bin/rootball serve --host "$host" --port "$port"
