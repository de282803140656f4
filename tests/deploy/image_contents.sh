#!/usr/bin/env bash
# What the image's final stage holds, checked without building it (CTest label "deploy"):
# every service binary is built by the build stage and copied into the final one, and every
# shared library the binaries load (ldd) comes from a package the final stage installs, one of
# their dependencies, or the Debian base. Usage: image_contents.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
dockerfile="$root/deploy/Dockerfile"
binaries=(storage/tern-storage auth/tern-auth smtp-ingress/tern-smtp pop3-gateway/tern-pop3
          imap-gateway/tern-imap tern/tern ternctl/ternctl)
fail() { echo "image contents: $*" >&2; exit 1; }

final="$(awk '/^FROM /{n++} n==2' "$dockerfile")"  # the final stage's lines
for b in "${binaries[@]}"; do
  name="$(basename "$b")"
  grep -q "/src/build/services/$b" <<<"$final" || fail "$name is not copied into the final stage"
done
for t in storage_main auth_main smtp_main pop3_main imap_main tern_main ternctl_main; do
  grep -q -- "--target .*\b$t\b" "$dockerfile" || fail "the build stage does not build $t"
done

# Packages the final stage installs (apt-get install ... &&), their dependencies, and the base.
listed="$(sed -n '/^FROM debian:12-slim/,$p' "$dockerfile" | tr '\\\n' '  ' |
          sed -n 's/.*--no-install-recommends\(.*\)&& rm -rf.*/\1/p' | tr ' ' '\n' | grep -v '^$')"
[ -n "$listed" ] || fail "cannot read the final stage's package list"
closure="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
             --no-replaces --no-enhances $listed 2>/dev/null | grep -v '^ ' | sed 's/:any$//' | sort -u)"
base="libc6 libgcc-s1 libstdc++6 zlib1g"  # in every Debian 12 image (Essential, or apt's own)

needed=()
for b in "${binaries[@]}"; do
  bin="$build/services/$b"
  [ -x "$bin" ] || fail "$bin not built"
  while read -r lib; do
    pkg="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true)"
    [ -n "$pkg" ] || fail "$(basename "$bin") loads $lib, which no Debian package ships"
    needed+=("${pkg%%:*}")
  done < <(ldd "$bin" | awk '/=> \//{print $3}')
done
missing=()
for p in $(printf '%s\n' "${needed[@]}" | sort -u); do
  grep -qx "$p" <<<"$closure" || grep -qw "$p" <<<"$base" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || fail "the final stage lacks ${missing[*]} (add to its apt-get install)"
echo "image contents: ${#binaries[@]} binaries, $(printf '%s\n' "${needed[@]}" | sort -u | wc -l) runtime packages, all in the final stage"
