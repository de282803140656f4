#!/usr/bin/env bash
# Builds one libFuzzer target with clang (address + undefined-behaviour sanitizers) and runs it
# briefly over the fixture corpus. Used by CTest (label "fuzz"); run by hand for longer:
#   tests/fuzz/run.sh mime 600      (targets: mime, smtp, imap)
set -euo pipefail
target="$1"; seconds="${2:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${TERN_FUZZ_DIR:-$root/build/fuzz}"
mkdir -p "$out/$target-corpus"
case "$target" in
  mime)
    srcs=("$root"/libs/mime/src/*.cc "$root/libs/mime/fuzz/mime_fuzz.cc")
    incs=(-I"$root/libs/mime/include" -I"$root/libs/mime/src")
    seeds="$root/tests/fixtures/mime"
    ;;
  smtp)
    srcs=("$root"/libs/smtp-protocol/src/*.cc "$root"/libs/line-protocol/src/*.cc
          "$root/libs/sasl/src/base64.cc" "$root/libs/smtp-protocol/fuzz/smtp_fuzz.cc")
    incs=(-I"$root/libs/smtp-protocol/include" -I"$root/libs/smtp-protocol/src"
          -I"$root/libs/line-protocol/include" -I"$root/libs/sasl/include")
    seeds="$root/libs/smtp-protocol/fuzz/corpus"
    ;;
  imap)
    srcs=("$root"/libs/imap-protocol/src/*.cc "$root/libs/imap-protocol/fuzz/imap_fuzz.cc")
    incs=(-I"$root/libs/imap-protocol/include" -I"$root/libs/imap-protocol/src")
    seeds="$root/libs/imap-protocol/fuzz/corpus"
    ;;
  *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
lib="$target"
[ "$target" = smtp ] && lib=smtp-protocol
[ "$target" = imap ] && lib=imap-protocol
bin="$out/${target}_fuzz"
newest=$(ls -t "${srcs[@]}" "$root"/libs/$lib/include/tern/*/*.h "$root"/libs/$lib/src/*.h \
  "$root"/libs/line-protocol/include/tern/*/*.h 2>/dev/null | head -n 1)
if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${incs[@]}" "${srcs[@]}" -o "$bin"
fi
cp -n "$seeds"/* "$out/$target-corpus/" 2>/dev/null || true
exec "$bin" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$out/$target-corpus"
