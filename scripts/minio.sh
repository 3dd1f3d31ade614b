#!/usr/bin/env bash
# Finds, builds (once, pinned), starts and stops a local MinIO on loopback for development and
# tests. MinIO's community edition ships as source only; its install path is `go install`.
#
#   scripts/minio.sh start     start (building first when no binary is found); idempotent
#   scripts/minio.sh stop      stop the instance this script started
#   scripts/minio.sh status    exit 0 when it answers
#   scripts/minio.sh path      print the binary it would use (building it if needed)
#
# Environment: MINIO_BIN (a binary to use), MINIO_PORT (9000), MINIO_CONSOLE_PORT (9001),
# MINIO_DATA_DIR (.minio/data), MINIO_ROOT_USER / MINIO_ROOT_PASSWORD (dev defaults below).
set -euo pipefail

# The pinned release. The issue named RELEASE.2025-10-15T17-29-55Z
# (v0.0.0-20251015172955-9e49d5e7a648), but the Go module proxy reachable here refuses that
# version; this is the newest version it serves (commit 7aac2a2c5b7c, 2026-02-12).
MINIO_MODULE_VERSION="${MINIO_MODULE_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.minio"
port="${MINIO_PORT:-9000}"
console_port="${MINIO_CONSOLE_PORT:-9001}"
data="${MINIO_DATA_DIR:-$state/data-$port}"
pidfile="$state/minio-$port.pid"
logfile="$state/minio-$port.log"
export MINIO_ROOT_USER="${MINIO_ROOT_USER:-${MINIO_ACCESS_KEY:-maxhub-dev}}"
export MINIO_ROOT_PASSWORD="${MINIO_ROOT_PASSWORD:-${MINIO_SECRET_KEY:-maxhub-dev-secret}}"

say() { printf 'minio: %s\n' "$*" >&2; }

find_go() {
  # GO_BIN names the toolchain explicitly (an empty or missing file means: no Go here).
  if [ -n "${GO_BIN+set}" ]; then [ -x "$GO_BIN" ] && { echo "$GO_BIN"; return; }; return 1; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; return; fi
  return 1
}

find_minio() {
  if [ -n "${MINIO_BIN:-}" ]; then
    [ -x "$MINIO_BIN" ] || { say "MINIO_BIN=$MINIO_BIN is not an executable file"; exit 1; }
    echo "$MINIO_BIN"; return
  fi
  if command -v minio >/dev/null 2>&1; then command -v minio; return; fi
  local go gobin
  if go="$(find_go)"; then
    gobin="$("$go" env GOBIN)"; [ -n "$gobin" ] || gobin="$("$go" env GOPATH)/bin"
    if [ -x "$gobin/minio" ]; then echo "$gobin/minio"; return; fi
  fi
  [ -x "${HOME:-/nonexistent}/go/bin/minio" ] && { echo "$HOME/go/bin/minio"; return; }
  return 1
}

build_minio() {
  local go
  if ! go="$(find_go)"; then
    say "no MinIO binary found and no Go toolchain to build one."
    say "Install Go (https://go.dev/dl) and run this again, set MINIO_BIN to a MinIO binary,"
    say "or run the whole stack with 'docker compose up' instead."
    exit 1
  fi
  say "no MinIO binary found; building MinIO $MINIO_MODULE_VERSION with 'go install' (a few minutes, once; cached under $("$go" env GOPATH))"
  "$go" install "github.com/minio/minio@$MINIO_MODULE_VERSION" >&2
}

binary() {
  local bin
  if ! bin="$(find_minio)"; then build_minio; bin="$(find_minio)"; fi
  echo "$bin"
}

healthy() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/minio/health/live"; }

start() {
  if healthy; then say "already answering on 127.0.0.1:$port"; return 0; fi
  local bin; bin="$(binary)"
  mkdir -p "$data" "$state"
  say "starting $bin on 127.0.0.1:$port (data in $data)"
  nohup "$bin" server "$data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$console_port" --quiet \
    >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if healthy; then say "ready on http://127.0.0.1:$port"; return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      say "MinIO exited during start; its log says:"; tail -n 20 "$logfile" >&2; exit 1
    fi
    sleep 0.2
  done
  say "MinIO did not answer within 20 s; see $logfile"; exit 1
}

stop() {
  if [ -f "$pidfile" ]; then
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; fi
    rm -f "$pidfile"; say "stopped (port $port)"
  else
    say "no MinIO started by this script on port $port"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) healthy ;;
  path) binary ;;
  *) echo "usage: $0 start|stop|status|path" >&2; exit 2 ;;
esac
