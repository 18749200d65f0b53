#!/usr/bin/env bash
# Makes sure the services the test suite talks to are up on this machine:
#   PostgreSQL on 127.0.0.1:5432 (trust auth for local TCP, as postgres://postgres@127.0.0.1:5432/postgres)
#   NATS with JetStream on 127.0.0.1:4222
# Starts what is down, installs what is missing (Debian/Ubuntu, apt-get), then waits until each
# accepts connections. Idempotent: prints nothing when both are already up. Never stops anything.
# Called by `npm test` (pretest) and `.ci/run`; run it by hand with `npm run services`.
set -euo pipefail
# Run from a directory that always exists: psql and sudo fail in a deleted working directory.
cd /

readonly PG_HOST=127.0.0.1
readonly PG_PORT=5432
readonly NATS_HOST=127.0.0.1
readonly NATS_PORT=4222
readonly NATS_BIN=/usr/sbin/nats-server
readonly NATS_STORE=/var/lib/nats-server
readonly NATS_LOG=/var/log/nats-server.log
readonly WAIT_SECONDS=30

say() { printf 'services: %s\n' "$*"; }
die() {
  printf 'services: %s\n' "$*" >&2
  exit 1
}

# Starting daemons and installing packages needs root; use sudo when we are not root.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "$* not installed and apt-get is unavailable; install it yourself or start it on the ports above"
  say "installing $* (apt-get)"
  if ((apt_updated == 0)); then
    as_root apt-get update -qq
    apt_updated=1
  fi
  # The postgresql package's own start attempt may be refused (policy-rc.d in containers); we start it below.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Polls a check function once every 0.2 s for at most WAIT_SECONDS.
wait_for() {
  local what=$1 check=$2 deadline=$((SECONDS + WAIT_SECONDS))
  until "$check"; do
    ((SECONDS < deadline)) || die "$what did not accept connections within ${WAIT_SECONDS}s"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- PostgreSQL

pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

# Prints psql's error and fails when user postgres cannot connect over TCP without a password.
pg_connect_error() {
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -w -Atqc 'select 1' 2>&1 >/dev/null
}

# Newest cluster version with a `main` cluster, else the newest installed server version.
pg_version() {
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $v ]] || v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $v ]] || die "no PostgreSQL server version found under /etc/postgresql or /usr/lib/postgresql"
  printf '%s\n' "$v"
}

pg_version_started=
start_postgres() {
  pg_ready && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    apt_install postgresql
  fi
  local v
  v=$(pg_version)
  if [[ ! -f /etc/postgresql/$v/main/postgresql.conf ]]; then
    say "creating PostgreSQL $v cluster main"
    as_root pg_createcluster "$v" main --port "$PG_PORT" >/dev/null
  fi
  # Already running but not yet accepting connections (e.g. just started): only wait.
  if ! as_root pg_ctlcluster "$v" main status >/dev/null 2>&1; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start
    pg_version_started=$v
  fi
}

# Tests connect as postgres without a password. A fresh Debian cluster uses peer/scram-sha-256,
# so when (and only when) the server rejects the login for want of a password, put a trust line for
# 127.0.0.1 first in pg_hba.conf (first match wins) and reload. Any other failure is reported as is.
readonly HBA_MARKER='# Added by Portico infra/dev/services.sh'
ensure_pg_trust() {
  local err
  err=$(pg_connect_error) && return 0
  case $err in
    *"authentication failed"* | *"no pg_hba.conf entry"* | *"no password supplied"*) ;;
    *) die "cannot connect as postgres@$PG_HOST:$PG_PORT: $err" ;;
  esac
  local v hba
  v=$(pg_version)
  hba=/etc/postgresql/$v/main/pg_hba.conf
  as_root test -f "$hba" || die "postgres on $PG_HOST:$PG_PORT refuses user postgres without a password: $err"
  as_root grep -qF "$HBA_MARKER" "$hba" && die "postgres refuses user postgres without a password although $hba has our trust line: $err"
  say "allowing trust auth from $PG_HOST in $hba"
  as_root sed -i "1i $HBA_MARKER: tests connect from $PG_HOST as postgres without a password.\\nhost    all             all             $PG_HOST/32            trust" "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload
  local deadline=$((SECONDS + 5))
  until err=$(pg_connect_error); do
    ((SECONDS < deadline)) || die "postgres still refuses user postgres from $PG_HOST after editing $hba: $err"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- NATS

# Prints the server's INFO line (sent on connect) or fails when nothing listens.
nats_info() {
  (
    exec 3<>"/dev/tcp/$NATS_HOST/$NATS_PORT" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf '%s\n' "$line"
  ) 2>/dev/null
}

nats_ready() {
  local info
  info=$(nats_info) && [[ $info == INFO* ]]
}

nats_started=0
start_nats() {
  nats_ready && return 0
  [[ -x $NATS_BIN ]] || apt_install nats-server
  as_root mkdir -p "$NATS_STORE"
  # --oknodo: a nats-server already starting (or running elsewhere) is not an error; the wait below decides.
  as_root start-stop-daemon --start --oknodo --background --exec "$NATS_BIN" -- \
    -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE" -l "$NATS_LOG"
  nats_started=1
}

# ---------------------------------------------------------------- main

# Start both first, then wait: they come up in parallel.
start_postgres
start_nats

wait_for "PostgreSQL on $PG_HOST:$PG_PORT" pg_ready
[[ -z $pg_version_started ]] || say "started PostgreSQL $pg_version_started (cluster main) on $PG_HOST:$PG_PORT"
ensure_pg_trust

wait_for "NATS on $NATS_HOST:$NATS_PORT (log: $NATS_LOG)" nats_ready
((nats_started == 0)) || say "started NATS with JetStream on $NATS_HOST:$NATS_PORT (store $NATS_STORE, log $NATS_LOG)"
[[ $(nats_info) == *'"jetstream":true'* ]] ||
  die "NATS on $NATS_HOST:$NATS_PORT runs without JetStream; restart it with -js (see infra/README.md)"
