#!/usr/bin/env bash
# Runs the whole test suite against real SQLite and a real, private, throwaway
# PostgreSQL that this script starts (and stops) itself. No docker needed.
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh store           # extra arguments go to `cargo test`
#   bash scripts/test.sh --test county   # one test binary (no --all-targets then)
#
# PostgreSQL comes from Debian's `postgresql` package; it is installed if missing (as
# root, or with sudo). Set GOVWATCH_TEST_POSTGRES_URL to use a server you already run.
# The console's browser tests (tests/browser.rs) drive Debian's chromium through its
# chromedriver, installed the same way and started here on loopback
# (GOVWATCH_TEST_WEBDRIVER_URL); where neither can be had they are skipped, except under
# CI=true, where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root to run: $*"; return 1; fi
}

find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

start_postgres() {
  local bin
  if ! bin=$(find_pg_bin); then
    log "PostgreSQL not found: installing Debian's postgresql package"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
    bin=$(find_pg_bin)
  fi
  PGTMP=$(mktemp -d /tmp/govwatch-pg.XXXXXX)
  local runner=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: run the server as an unprivileged user.
    chown nobody "$PGTMP"
    runner=(runuser -u nobody --)
  fi
  "${runner[@]}" "$bin/initdb" -D "$PGTMP/data" -U govwatch --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log" 2>&1 ||
    "${runner[@]}" "$bin/initdb" -D "$PGTMP/data" -U govwatch --auth=trust -E UTF8 >"$PGTMP/initdb.log" 2>&1 ||
    { cat "$PGTMP/initdb.log" >&2; return 1; }
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  "${runner[@]}" "$bin/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
    -o "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$PGTMP/server.log" >&2; return 1; }
  PG_RUNNER=("${runner[@]}")
  PG_BIN=$bin
  export GOVWATCH_TEST_POSTGRES_URL="postgres://govwatch@127.0.0.1:$port/postgres"
  # For tests/reliability_pg_restart.rs: `$GOVWATCH_TEST_PG_CTL restart -m fast` restarts
  # this server (same options, same port).
  export GOVWATCH_TEST_PG_CTL="${runner[*]:+${runner[*]} }$bin/pg_ctl -D $PGTMP/data -l $PGTMP/server.log"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "${PGTMP:-}" ]; then
    "${PG_RUNNER[@]}" "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGTMP"
  fi
}

start_chromedriver() {
  if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
    log "chromium or chromedriver not found: installing Debian's chromium and chromium-driver"
    if ! { as_root apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
      log "could not install chromium-driver: the browser tests will be skipped (failed under CI=true)"
      return 0
    fi
  fi
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  CHROMEDRIVER_LOG=$(mktemp /tmp/govwatch-chromedriver.XXXXXX)
  chromedriver --port="$port" --allowed-ips=127.0.0.1 >"$CHROMEDRIVER_LOG" 2>&1 &
  CHROMEDRIVER_PID=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  export GOVWATCH_TEST_WEBDRIVER_URL="http://127.0.0.1:$port"
  log "chromedriver $(chromedriver --version | awk '{print $2}') on 127.0.0.1:$port"
}

stop_services() {
  stop_postgres
  if [ -n "${CHROMEDRIVER_PID:-}" ]; then
    kill "$CHROMEDRIVER_PID" 2>/dev/null || true
    # A test that failed before closing its session leaves its browser behind.
    pkill -f -- '--test-type=webdriver' 2>/dev/null || true
    rm -f "$CHROMEDRIVER_LOG"
  fi
}

trap stop_services EXIT
if [ -z "${GOVWATCH_TEST_POSTGRES_URL:-}" ]; then
  start_postgres
fi
if [ -z "${GOVWATCH_TEST_WEBDRIVER_URL:-}" ]; then
  start_chromedriver
fi

# --no-fail-fast: one failing test binary does not hide the others' results.
if [ $# -eq 0 ]; then
  cargo test --no-fail-fast --all-targets
else
  cargo test --no-fail-fast "$@"
fi
