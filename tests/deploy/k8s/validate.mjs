// Validates Kubernetes manifests offline: node validate.mjs FILE... ("-" reads stdin).
// Each object against the API schema of its kind (kubernetes-models, Kubernetes 1.27; the
// Prometheus Operator and cert-manager CRDs), unknown fields of built-in kinds (what the API
// server would drop), and cross references: a workload's selector matching its pod template,
// every Service and PodDisruptionBudget selecting some workload, every ServiceMonitor some
// Service, every HPA an existing Deployment. Kinds of other CRDs (CloudNativePG) are listed as
// not checked. Prints one line per problem and "N valid, N invalid"; exit 1 on any problem.
import fs from "fs";
import YAML from "yaml";
import { loadYaml, dumpYaml } from "@kubernetes/client-node";

const crds = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator/monitoring.coreos.com",
  "cert-manager.io": "@kubernetes-models/cert-manager/cert-manager.io",
};
const unchecked = new Set(["postgresql.cnpg.io"]);

function modelModule(group, version) {
  if (!group) return `kubernetes-models/${version}`;
  return `${crds[group] ?? "kubernetes-models/" + group}/${version}`;
}

// Paths present in `a` but gone from `b` (fields the typed round trip does not know).
function lost(a, b, path, out) {
  if (Array.isArray(a)) {
    a.forEach((x, i) => lost(x, b?.[i], `${path}[${i}]`, out));
  } else if (a !== null && typeof a === "object") {
    for (const k of Object.keys(a)) {
      if (b !== null && typeof b === "object" && k in b) lost(a[k], b[k], `${path}.${k}`, out);
      else out.push(`${path}.${k}`);
    }
  }
}

const within = (selector = {}, labels = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const objects = [];
const problems = [];
let valid = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(`${file}: YAML: ${doc.errors[0].message}`);
      continue;
    }
    const o = doc.toJS();
    if (!o) continue;
    objects.push(o);
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : [null, o.apiVersion];
    const name = `${o.kind}/${o.metadata?.name}`;
    if (unchecked.has(group)) {
      console.log(`${name}: not checked (no schema for ${o.apiVersion} here)`);
      continue;
    }
    const errors = [];
    let Model;
    try {
      Model = (await import(modelModule(group, version)))[o.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      errors.push(`no schema for ${o.apiVersion} ${o.kind}`);
    } else {
      try {
        new Model(o).validate();
      } catch (e) {
        errors.push(String(e.message).split("\n")[0]);
      }
    }
    if (!crds[group]) {
      const gone = [];
      lost(o, YAML.parse(dumpYaml(loadYaml(YAML.stringify(o)))), "", gone);
      if (gone.length) errors.push(`unknown fields: ${gone.join(", ")}`);
    }
    const template = o.spec?.template?.metadata?.labels;
    if (o.spec?.selector?.matchLabels && template && !within(o.spec.selector.matchLabels, template)) {
      errors.push("spec.selector.matchLabels does not match the pod template's labels");
    }
    if (errors.length) problems.push(`${name}: ${errors.join("; ")}`);
    else valid++;
  }
}

const podLabels = objects.filter((o) => o.spec?.template).map((o) => o.spec.template.metadata?.labels ?? {});
for (const o of objects) {
  const name = `${o.kind}/${o.metadata?.name}`;
  const selector = o.kind === "Service" ? o.spec?.selector
    : o.kind === "PodDisruptionBudget" ? o.spec?.selector?.matchLabels : null;
  if (selector && !podLabels.some((l) => within(selector, l))) problems.push(`${name}: selects no workload`);
  if (o.kind === "ServiceMonitor" &&
      !objects.some((s) => s.kind === "Service" && within(o.spec?.selector?.matchLabels, s.metadata?.labels))) {
    problems.push(`${name}: selects no Service`);
  }
  if (o.kind === "HorizontalPodAutoscaler") {
    const ref = o.spec?.scaleTargetRef;
    if (!objects.some((d) => d.kind === ref?.kind && d.metadata?.name === ref?.name)) {
      problems.push(`${name}: scales ${ref?.kind}/${ref?.name}, which is not there`);
    }
  }
}
for (const p of problems) console.log(p);
console.log(`${valid} valid, ${problems.length} invalid`);
process.exit(problems.length ? 1 : 0);
