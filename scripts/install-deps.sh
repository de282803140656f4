#!/usr/bin/env bash
# Installs every Debian 12 package Tern needs to build, test and run. Idempotent: only packages
# that are missing are installed, with apt-get. Must run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libboost-system-dev
  libssl-dev libpqxx-dev prometheus-cpp-dev libabsl-dev libargon2-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  postgresql-15 postgresql-client-15
  python3 curl swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl fetchmail
  isync offlineimap3
  prometheus yamllint docker-compose
  openssl procps iproute2 util-linux unzip
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

tools="$(dirname "${BASH_SOURCE[0]}")/install-tools.sh"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  "$tools"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
"$tools"
