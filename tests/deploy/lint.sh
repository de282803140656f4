#!/usr/bin/env bash
# The deploy files as the real tools read them (CTest label "deploy"): yamllint on every plain
# YAML file, docker-compose's own parser on the compose file, promtool on the Prometheus
# configuration and rules; helm (scripts/install-tools.sh) lints and renders the chart with
# each CI values file, its schema refuses bad values, and the rendered YAML is linted, is
# valid against the Kubernetes API schema (tests/deploy/k8s/validate.mjs) and has the objects
# each values file asks for.
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

# The chart.
rendered_lint='{extends: default, rules: {line-length: disable, document-start: disable,
  indentation: {indent-sequences: whatever}, truthy: {check-keys: false}}}'
render() {
  helm template t helm/tern --kube-version 1.32.0 --api-versions monitoring.coreos.com/v1 "$@" \
    2> >(grep -v "found symbolic link" >&2)
}
count() { grep -c "^kind: $1\$" "$2" || true; }
expect() {  # file kind n
  local got; got="$(count "$2" "$1")"
  if [ "$got" != "$3" ]; then echo "deploy lint: $1 has $got $2, expected $3" >&2; exit 1; fi
}
for values in "" helm/tern/ci/values-*.yaml; do
  args=(); [ -n "$values" ] && args=(-f "$values")
  helm lint --strict helm/tern "${args[@]}" 2> >(grep -v "found symbolic link" >&2)
  render "${args[@]}" > "$tmp/rendered.yaml"
  yamllint -d "$rendered_lint" "$tmp/rendered.yaml"
  expect "$tmp/rendered.yaml" Deployment 5
  node tests/deploy/k8s/validate.mjs "$tmp/rendered.yaml"
done
# The checker itself catches a bad enum and an unknown field.
sed 's/externalTrafficPolicy: Local/externalTrafficPolicy: Locl/; s/periodSeconds: 10/periodSecondz: 10/' \
  "$tmp/rendered.yaml" > "$tmp/broken.yaml"
if node tests/deploy/k8s/validate.mjs "$tmp/broken.yaml" >/dev/null; then
  echo "deploy lint: the manifest checker took a broken manifest" >&2
  exit 1
fi
render -f helm/tern/ci/values-all-on.yaml > "$tmp/on.yaml"
for kind in HorizontalPodAutoscaler PodDisruptionBudget NetworkPolicy ServiceMonitor; do
  expect "$tmp/on.yaml" "$kind" 5
done
expect "$tmp/on.yaml" PrometheusRule 1
expect "$tmp/on.yaml" Job 1
expect "$tmp/on.yaml" Certificate 1
grep -q 'name: TERN_SMTP_PROXY_NETWORKS, value: "10.0.0.0/8,192.168.0.0/16"' "$tmp/on.yaml"
# CloudNativePG: the cluster, and storage, auth and the Job reading its app secret.
render -f helm/tern/ci/values-cloudnativepg.yaml > "$tmp/cnpg.yaml"
expect "$tmp/cnpg.yaml" Cluster 1
[ "$(grep -c "name: t-tern-pg-app" "$tmp/cnpg.yaml")" = 4 ] || { echo "deploy lint: the CloudNativePG secret is not used by storage, auth and the Job" >&2; exit 1; }
grep -q "helm.sh/hook: pre-install,pre-upgrade" "$tmp/on.yaml"
expect "$tmp/on.yaml" ConfigMap "$(ls deploy/grafana/dashboards/*.json | wc -l)"
grep -q "name: tern_imap_connections_active" "$tmp/on.yaml"
render -f helm/tern/ci/values-all-off.yaml > "$tmp/off.yaml"
for kind in HorizontalPodAutoscaler PodDisruptionBudget NetworkPolicy ServiceMonitor PrometheusRule Job Certificate Cluster; do
  expect "$tmp/off.yaml" "$kind" 0
done
# The chart README's parameter table is what values.yaml's @param comments say.
/usr/bin/python3 helm/tern/readme.py --check
# The schema refuses a wrong type and an unknown key.
for bad in imap.replicas=two imap.replicaz=2 smtp.outbound.tls=sometimes "smtp.proxyNetworks={10.0.0.0}"; do
  if helm lint --strict helm/tern --set "$bad" >/dev/null 2>&1; then
    echo "deploy lint: the chart's schema took --set $bad" >&2
    exit 1
  fi
done
echo "deploy lint: ok"
