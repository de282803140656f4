#!/usr/bin/env bash
# Manages a private PostgreSQL 15 cluster for development and tests.
#
#   scripts/pg.sh init   DIR          initdb into DIR/data (as the postgres user when run as root)
#   scripts/pg.sh start  DIR [PORT]   start on 127.0.0.1:PORT (a free port if omitted), create db "tern"
#   scripts/pg.sh stop   DIR          fast shutdown
#   scripts/pg.sh remove DIR          stop if running, then delete DIR
#   scripts/pg.sh url    DIR          print the connection URL
#   scripts/pg.sh default-dir         print the folder the dev cluster uses (var/pg in the checkout)
#
# PostgreSQL refuses to run as root, so as root every server command runs as "postgres" and DIR
# is handed to that user. Extra server settings: TERN_PG_OPTS (e.g. "-c fsync=off" for tests).
# The cluster trusts connections from 127.0.0.1 only: it is a private, loopback-only instance.
set -euo pipefail

PGBIN="${TERN_PGBIN:-/usr/lib/postgresql/15/bin}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The dev cluster lives in var/pg of the checkout when the postgres user can reach it; a checkout
# in a private folder (mode 700, as mktemp makes) cannot be entered by postgres, so then the
# cluster lives under /var/tmp with var/pg as a symbolic link to it.
default_dir() {
  local want="$root/var/pg"
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$root" 2>/dev/null; then
    echo "$want"
  else
    echo "/var/tmp/tern-pg-$(echo -n "$root" | sha256sum | cut -c1-12)"
  fi
}

cmd="${1:-}"; dir="${2:-}"
case "$cmd" in
  default-dir) default_dir; exit 0 ;;
  init|start|stop|remove|url) [ -n "$dir" ] || { echo "usage: $0 $cmd DIR" >&2; exit 2; } ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac

case "$cmd" in
  init)
    if [ -f "$dir/data/PG_VERSION" ]; then exit 0; fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres:postgres "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "pg.sh: the postgres user cannot write to $dir (a parent folder is private?)" >&2
        exit 1
      fi
    fi
    as_pg "$PGBIN/initdb" -D "$dir/data" -U tern --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
CONF
    ;;
  start)
    port="${3:-}"
    if [ -f "$dir/port" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0
    fi
    [ -n "$port" ] || port="$(free_port)"
    as_pg sh -c "echo $port > '$dir/port'"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port ${TERN_PG_OPTS:-}" start >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2; exit 1; }
    if ! "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U tern -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='tern'" | grep -q 1; then
      "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U tern tern
    fi
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  remove)
    "$0" stop "$dir"
    rm -rf "$dir"
    ;;
  url)
    echo "postgresql://tern@127.0.0.1:$(cat "$dir/port")/tern"
    ;;
esac
