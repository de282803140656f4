#!/usr/bin/env bash
# Brings the Tern suite up on this machine: installs what is missing, builds, starts a private
# PostgreSQL (var/pg) and every service, prints how to reach them, and stays up until Ctrl-C,
# then stops everything cleanly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

pgdir="$("$root/scripts/pg.sh" default-dir)"
if [ "$pgdir" != "$root/var/pg" ]; then
  mkdir -p "$root/var"
  ln -sfn "$pgdir" "$root/var/pg"
fi
"$root/scripts/pg.sh" init "$pgdir"
"$root/scripts/pg.sh" start "$pgdir"
db_url="$("$root/scripts/pg.sh" url "$pgdir")"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$root/scripts/pg.sh" stop "$pgdir"
  echo "stopped."
}
trap cleanup INT TERM EXIT

mkdir -p "$root/var/log"
bin="${TERN_BUILD_DIR:-$root/build}"
TERN_STORAGE_DATABASE_URL="$db_url" "$bin/services/storage/tern-storage" \
  >>"$root/var/log/storage.log" 2>&1 &
pids+=($!)

# Wait until the storage service reports ready.
for _ in $(seq 1 100); do
  if curl -fsS http://127.0.0.1:9101/readyz >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "tern-storage exited; last log lines:" >&2
    tail -n 20 "$root/var/log/storage.log" >&2
    exit 1
  fi
  sleep 0.1
done

cat <<MSG

Tern is up.
  PostgreSQL      $db_url   (data in $pgdir)
  storage gRPC    127.0.0.1:7001   (tern.storage.v1.Storage; reflection on: grpcurl -plaintext 127.0.0.1:7001 list)
  storage HTTP    http://127.0.0.1:9101/metrics  /livez  /readyz
  logs            $root/var/log/

Press Ctrl-C to stop.
MSG
wait "${pids[0]}"
