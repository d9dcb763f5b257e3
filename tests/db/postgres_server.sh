#!/usr/bin/env bash
# A private PostgreSQL server for the tests (a CTest fixture): `start BUILD_DIR` creates a cluster
# in a fresh /tmp directory, listening on a Unix socket there only (no TCP port, so it never
# meets another server), and writes the libpq connection parameters to
# BUILD_DIR/postgres-test.conninfo; `stop BUILD_DIR` stops it and removes the directory.
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root). Needs
# Debian's postgresql package (scripts/install-deps.sh installs it).
set -euo pipefail
action=${1:?usage: postgres_server.sh start|stop BUILD_DIR}
build_dir=${2:?usage: postgres_server.sh start|stop BUILD_DIR}
info="$build_dir/postgres-test.conninfo"
state="$build_dir/postgres-test.dir"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  echo "postgres_server.sh: no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$state" ]; then
    dir=$(cat "$state")
    if [ -d "$dir/data" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    rm -f "$state" "$info"
  fi
}

case "$action" in
  start)
    stop  # a server a crashed run left behind
    dir=$(mktemp -d /tmp/mbench-pg.XXXXXX)
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    echo "$dir" >"$state"
    user=$(if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi)
    as_owner "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: the tests kill clients, never the server, so durability on disk is not under test.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off -c max_connections=60" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=$dir user=$user" >"$info"
    echo "postgres_server.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir"
    ;;
  stop)
    stop
    ;;
  *)
    echo "postgres_server.sh: unknown action '$action' (start or stop)" >&2
    exit 2
    ;;
esac
