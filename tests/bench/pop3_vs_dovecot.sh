#!/usr/bin/env bash
# pop3_vs_dovecot.sh: RETR/s of Tern's POP3 gateway beside Dovecot's, on this machine in the
# same run, measured by the same client: Python's poplib, one session, RETR 1..N, each message
# read fully (to its "."), on a maildrop of N (2,000) messages of 4 KB, the same bytes in both.
# A benchmark: run by hand, never by CI or the test suite.
#
#   sudo tests/bench/pop3_vs_dovecot.sh [--messages N] [--rounds R]
#
# Debian 12, as root: installs dovecot-pop3d if it is missing (without starting the system's
# Dovecot), then runs a private Dovecot (its own config, maildir, passwd-file, logs and sockets
# in a temporary folder, POP3 on a free loopback port) and Tern as build/tests/bench/pop3_bench
# --serve runs it (a throwaway PostgreSQL, storage and auth, the tern-pop3 binary as a child
# process), the messages delivered through storage. Each server is walked once to warm it up
# (Dovecot builds its index then), then R times, alternately; it prints every round, the
# medians and their ratio. Everything it started is stopped and the temporary folder removed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${TERN_BUILD_DIR:-$root/build}"
messages=2000
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "usage: $0 [--messages N] [--rounds R]" >&2; exit 2 ;;
  esac
done
bench="$build/tests/bench/pop3_bench"
[ -x "$bench" ] || { echo "build first: $bench is missing (./scripts/build.sh)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (apt-get, and Dovecot's privilege separation)" >&2; exit 1; }

if [ ! -x /usr/lib/dovecot/pop3 ] || ! command -v dovecot >/dev/null; then
  # A policy-rc.d that says "no" keeps the package from starting the system's Dovecot.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-pop3d >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

tmp="$(mktemp -d /tmp/pop3-vs-dovecot.XXXXXX)"
chmod 755 "$tmp"  # the mail user (nobody) walks through it to its maildir
bench_pid=""
cleanup() {
  set +e
  [ -s "$tmp/run/master.pid" ] && kill "$(cat "$tmp/run/master.pid")" 2>/dev/null
  if [ -n "$bench_pid" ]; then
    exec 3>&-  # pop3_bench --serve stops when its standard input closes
    wait "$bench_pid" 2>/dev/null
  fi
  for _ in $(seq 50); do [ -s "$tmp/run/master.pid" ] && kill -0 "$(cat "$tmp/run/master.pid")" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The messages, as pop3_bench makes them (tests/bench/bench_util.h Message4k): headers, then
# text lines to exactly 4096 octets, every line ending in CRLF.
mkdir -p "$tmp/home/bench/Maildir/"{cur,new,tmp}
python3 - "$tmp/home/bench/Maildir/cur" "$messages" <<'PY'
import sys
cur, n = sys.argv[1], int(sys.argv[2])
line = b"The quick brown fox jumps over the lazy dog 0123456789.\r\n"
for i in range(n):
    m = b"From: x@remote.example\r\nSubject: pop3 bench %d\r\n\r\n" % i
    while len(m) + len(line) <= 4096 - 3:
        m += line
    m += b"x" * (4096 - 2 - len(m)) + b"\r\n"
    # Seen, with its size in the name (as Dovecot names what it delivers).
    with open("%s/%d.M%dP1.bench,S=%d,W=%d:2,S" % (cur, 1700000000 + i, i, len(m), len(m)), "wb") as f:
        f.write(m)
PY
chown -R 65534:65534 "$tmp/home"

dport="$(free_port)"
mkdir -p "$tmp/run" "$tmp/state"
printf 'bench:{PLAIN}benchpass\n' >"$tmp/passwd"
cat >"$tmp/dovecot.conf" <<CONF
# A private POP3-only Dovecot: nothing outside $tmp.
protocols = pop3
listen = 127.0.0.1
base_dir = $tmp/run
state_dir = $tmp/state
log_path = $tmp/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = $tmp/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$tmp/home/%u
}
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
service pop3-login {
  inet_listener pop3 {
    port = $dport
  }
  inet_listener pop3s {
    port = 0
  }
}
CONF
dovecot -c "$tmp/dovecot.conf"

# Tern: pop3_bench --serve fills the maildrop through storage and serves until fd 3 closes.
mkfifo "$tmp/bench.in"
"$bench" --serve --messages "$messages" <"$tmp/bench.in" >"$tmp/bench.out" 2>&1 &
bench_pid=$!
exec 3>"$tmp/bench.in"
tport=""
for _ in $(seq 3000); do
  tport="$(sed -n 's/^pop3_bench: serving 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/bench.out")"
  [ -n "$tport" ] && break
  kill -0 "$bench_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$tport" ]; then
  echo "Tern did not start:" >&2
  cat "$tmp/bench.out" >&2
  exit 1
fi

python3 - "$dport" "$tport" "$rounds" "$messages" <<'PY'
import hashlib, poplib, statistics, sys, time

dport, tport, rounds, messages = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
servers = [("dovecot", dport, "bench", "benchpass"),
           ("tern", tport, "reader@bench.test", "bench password")]

def walk(port, user, password):
    """One session: USER/PASS, RETR 1..n each read fully; RETR/s and a digest of what came."""
    p = poplib.POP3("127.0.0.1", port)
    p.user(user)
    p.pass_(password)
    n, _ = p.stat()
    got = []
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        got.append(p.retr(i)[1])
    secs = time.perf_counter() - t0
    p.quit()
    # The messages as a set: the order of delivery differs (Tern's maildrop was filled in parallel).
    each = sorted(hashlib.sha256(b"".join(line + b"\r\n" for line in lines)).digest() for lines in got)
    return n, n / secs, hashlib.sha256(b"".join(each)).hexdigest()

for name, port, user, password in servers:  # warm-up
    n, rate, _ = walk(port, user, password)
    if n != messages:
        sys.exit("%s has %d messages, not %d" % (name, n, messages))
    print("warm-up    %-8s %8.0f RETR/s" % (name, rate))
rates = {name: [] for name, *_ in servers}
digests = set()
for r in range(rounds):
    for name, port, user, password in (servers if r % 2 == 0 else servers[::-1]):
        n, rate, digest = walk(port, user, password)
        rates[name].append(rate)
        digests.add(digest)
        print("round %-4d %-8s %8.0f RETR/s" % (r + 1, name, rate))
d, t = statistics.median(rates["dovecot"]), statistics.median(rates["tern"])
print("median     dovecot  %8.0f RETR/s" % d)
print("median     tern     %8.0f RETR/s" % t)
print("tern / dovecot      %8.2f" % (t / d))
print("same bytes from both: %s" % ("yes" if len(digests) == 1 else "NO"))
PY
