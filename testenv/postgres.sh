#!/usr/bin/env bash
# Private, throwaway PostgreSQL cluster for tests.
#
#   testenv/postgres.sh start   DIR   # initdb (first time) + start; prints the DSN as the last stdout line
#   testenv/postgres.sh stop    DIR   # fast shutdown, keeps the data
#   testenv/postgres.sh destroy DIR   # stop + delete DIR
#   testenv/postgres.sh status  DIR   # exit 0 and print the DSN if running, exit 3 if not
#
# Uses initdb/pg_ctl from Debian's `postgresql` package (/usr/lib/postgresql/*/bin; installed with
# apt-get if missing). Runs as the unprivileged `postgres` OS user when invoked as root (postgres
# refuses to run as root). Listens only on 127.0.0.1 on a port chosen at run time (the previous
# port is reused when still free); the unix socket lives in DIR, not in a shared directory.
# Trust authentication (loopback only). Database `periscope` is created.
# DSN: postgres://postgres@127.0.0.1:PORT/periscope
# The Debian package's default cluster/service is neither used nor started.
set -euo pipefail

PG_USER=postgres
DB_NAME=periscope
MARKER=.periscope-testenv-postgres

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start|stop|destroy|status DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
[ -n "$2" ] || usage
case "$2" in /*) dir=$2 ;; *) dir=$PWD/$2 ;; esac
dir=${dir%/}
data=$dir/data

# Run a command as the postgres user (or as ourselves when not root), from a directory it can read.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u "$PG_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

install_postgresql() {
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and we are not root: apt-get install -y postgresql"
  log "installing Debian package postgresql"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y postgresql >&2; then
    apt-get update >&2
    apt-get install -y postgresql >&2
  fi
  # The package creates (and may start) its default cluster; we do not use it, stop it if running.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header 2>/dev/null | while read -r ver name _port status _rest; do
      if [ "$status" = online ]; then
        log "stopping the package's default cluster $ver/$name (not used by tests)"
        pg_ctlcluster "$ver" "$name" stop >&2 || true
      fi
    done
  fi
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  fi
}

port_free() {
  # true when nothing accepts connections on 127.0.0.1:$1
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running_port() {
  # prints the port of the running postmaster, or fails
  [ -f "$data/postmaster.pid" ] || return 1
  as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 || return 1
  sed -n 4p "$data/postmaster.pid"
}

dsn() { echo "postgres://postgres@127.0.0.1:$1/$DB_NAME"; }

ensure_db() {
  local port=$1
  if [ "$(as_pg "$bin/psql" -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME"
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME"
  fi
}

do_init() {
  if [ -d "$dir" ] && [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir exists, is not empty and is not a testenv/postgres.sh cluster"
  fi
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  if [ "$(id -u)" = 0 ]; then
    chown "$PG_USER": "$dir"
  fi
  chmod 700 "$dir"
  as_pg test -w "$dir" || die "$dir is not writable by user $PG_USER (check the permissions of its parent directories)"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initdb $data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<EOF

# --- testenv/postgres.sh: private test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
    cat >"$data/pg_hba.conf" <<'EOF'
# testenv/postgres.sh: trust on loopback only
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
EOF
  fi
}

do_start() {
  local port
  if port=$(running_port); then
    log "already running on port $port"
    ensure_db "$port"
    dsn "$port"
    return 0
  fi
  do_init
  local tries=0 prev=""
  [ -f "$dir/port" ] && prev=$(cat "$dir/port")
  while :; do
    tries=$((tries + 1))
    if [ -n "$prev" ] && [ "$tries" = 1 ] && port_free "$prev"; then port=$prev; else port=$(free_port); fi
    log "starting on 127.0.0.1:$port (data $data)"
    if as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 -o "-p $port" start >&2; then
      break
    fi
    [ "$tries" -lt 3 ] || { tail -n 20 "$dir/postgres.log" >&2 || true; die "pg_ctl start failed"; }
    log "start failed (port taken?), retrying"
  done
  echo "$port" >"$dir/port"
  ensure_db "$port"
  dsn "$port"
}

do_stop() {
  if [ -f "$data/PG_VERSION" ] && running_port >/dev/null; then
    log "stopping (fast)"
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2
  else
    log "not running"
  fi
}

bin=$(pg_bindir || true)

case "$cmd" in
  start)
    if [ -z "$bin" ]; then
      install_postgresql
      bin=$(pg_bindir) || die "no initdb/pg_ctl under /usr/lib/postgresql/*/bin after installing postgresql"
    fi
    do_start
    ;;
  stop)
    [ -n "$bin" ] || die "PostgreSQL is not installed"
    do_stop
    ;;
  destroy)
    if [ -d "$dir" ]; then
      if [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir is not a testenv/postgres.sh cluster (no $MARKER); not deleting"
      fi
      if [ -n "$bin" ]; then do_stop; fi
      log "deleting $dir"
      rm -rf -- "$dir"
    else
      log "$dir does not exist"
    fi
    ;;
  status)
    [ -n "$bin" ] || die "PostgreSQL is not installed"
    if port=$(running_port); then dsn "$port"; else log "not running"; exit 3; fi
    ;;
  *)
    usage
    ;;
esac
