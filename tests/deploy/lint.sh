#!/usr/bin/env bash
# The deploy files as the real tools read them (CTest label "deploy"): yamllint on every plain
# YAML file, docker-compose's own parser on the compose file, promtool on the Prometheus
# configuration and rules. (Rendering the chart and playing it are issue 12's next steps.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
yamllint -c .yamllint deploy/ docker-compose.yml helm/tern/values.yaml helm/tern/Chart.yaml
docker-compose -f docker-compose.yml config -q
# prometheus.yml names the rules at the path compose mounts them: check it against a copy that
# points at the repository's file instead.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sed "s#/etc/prometheus/rules.yml#$root/deploy/prometheus/rules.yml#" deploy/prometheus/prometheus.yml \
  > "$tmp/prometheus.yml"
promtool check config "$tmp/prometheus.yml"
promtool check rules deploy/prometheus/rules.yml
promtool test rules deploy/prometheus/rules.test.yml
echo "deploy lint: ok"
