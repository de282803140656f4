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

mkdir -p "$root/var/log" "$root/var/secrets"
chmod 700 "$root/var/secrets"
# Secrets are generated once and kept in var/secrets (mode 600), never on a command line.
secret() {
  local f="$root/var/secrets/$1"
  [ -s "$f" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f")
  echo "$f"
}
token_file="$(secret admin-token)"
apop_key_file="$(secret apop-key)"
# A self-signed certificate so that STARTTLS and implicit TLS work locally.
if [ ! -s "$root/var/secrets/tls-cert.pem" ]; then
  (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
     -keyout "$root/var/secrets/tls-key.pem" -out "$root/var/secrets/tls-cert.pem" 2>/dev/null)
fi
demo_password_file="$root/var/secrets/demo-password"
[ -s "$demo_password_file" ] || (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$demo_password_file")

bin="${TERN_BUILD_DIR:-$root/build}"
TERN_DATABASE_URL="$db_url" \
TERN_AUTH_ADMIN_TOKEN_FILE="$token_file" \
TERN_AUTH_APOP_KEY_FILE="$apop_key_file" \
TERN_SMTP_HOSTNAME=localhost \
TERN_SMTP_TLS_CERT_FILE="$root/var/secrets/tls-cert.pem" \
TERN_SMTP_TLS_KEY_FILE="$root/var/secrets/tls-key.pem" \
TERN_POP3_TLS_CERT_FILE="$root/var/secrets/tls-cert.pem" \
TERN_POP3_TLS_KEY_FILE="$root/var/secrets/tls-key.pem" \
TERN_IMAP_TLS_CERT_FILE="$root/var/secrets/tls-cert.pem" \
TERN_IMAP_TLS_KEY_FILE="$root/var/secrets/tls-key.pem" \
  "$bin/services/tern/tern" >>"$root/var/log/tern.log" 2>&1 &
pids+=($!)

# Wait until both services report ready.
ready=0
for _ in $(seq 1 150); do
  if curl -fsS http://127.0.0.1:9101/readyz >/dev/null 2>&1 &&
        curl -fsS http://127.0.0.1:9102/readyz >/dev/null 2>&1 &&
     curl -fsS http://127.0.0.1:9103/readyz >/dev/null 2>&1 &&
     curl -fsS http://127.0.0.1:9105/readyz >/dev/null 2>&1; then ready=1; break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then break; fi
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  echo "tern did not become ready; last log lines:" >&2
  tail -n 20 "$root/var/log/tern.log" >&2
  exit 1
fi

# The demo domain and user, through the same admin API ternctl uses.
export TERN_ADMIN_TOKEN_FILE="$token_file"
ternctl="$bin/services/ternctl/ternctl"
"$ternctl" domain add example.test >/dev/null 2>&1 || true
if ! "$ternctl" user show demo@example.test >/dev/null 2>&1; then
  "$ternctl" user add demo@example.test --password-stdin <"$demo_password_file" >/dev/null
fi
# RFC 5321 4.5.1: postmaster@example.test reaches a person (the demo account).
"$ternctl" domain postmaster example.test demo@example.test >/dev/null

cat <<MSG

Tern is up.
  PostgreSQL      $db_url   (data in $pgdir)
  storage         gRPC 127.0.0.1:7001   HTTP http://127.0.0.1:9101/metrics /livez /readyz
  auth            gRPC 127.0.0.1:7002   HTTP http://127.0.0.1:9102/metrics /livez /readyz
  smtp            MX 127.0.0.1:2525, submission 127.0.0.1:2587 (STARTTLS), submissions 127.0.0.1:2465
                  (self-signed certificate; HTTP http://127.0.0.1:9103/metrics)
  pop3            127.0.0.1:1110 (STLS), POP3S 127.0.0.1:1995; HTTP http://127.0.0.1:9104/metrics
  imap            127.0.0.1:1143 (STARTTLS), IMAPS 127.0.0.1:1993; HTTP http://127.0.0.1:9105/metrics
  try it          swaks --server 127.0.0.1:2525 --to demo@example.test
                  curl -k pop3s://127.0.0.1:1995/1 -u demo@example.test:<password>
                  curl -k 'imaps://127.0.0.1:1993/INBOX;UID=1' -u demo@example.test:<password>
  demo account    demo@example.test   password: $(cat "$demo_password_file")
                  (also postmaster@example.test)
  admin           TERN_ADMIN_TOKEN_FILE=$token_file $ternctl status
  logs            $root/var/log/tern.log

Press Ctrl-C to stop.
MSG
wait "${pids[0]}"
