#!/usr/bin/env python3
"""Observability end to end, with the real tools (tests/deploy/lint.sh checks and unit-tests
the rules themselves): promtool parses every dashboard query; the suite (the all-in-one `tern` against a
throwaway PostgreSQL) is exercised over SMTP, IMAP and POP3 and every metric a dashboard, a
rule or the Helm chart names must be exported by one of the five services; and a real
Prometheus (Debian's), started with the shipped prometheus.yml pointed at the suite, must see
`up` for every service and evaluate every rule without error.
"""

import contextlib
import glob
import imaplib
import json
import os
import poplib
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import Server, new_password, self_signed

SOURCE = os.environ.get("TERN_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEPLOY = os.path.join(SOURCE, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "rules.yml")
DASHBOARDS = sorted(glob.glob(os.path.join(DEPLOY, "grafana", "dashboards", "*.json")))
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
# Prometheus must see a scrape and an evaluation of every rule within this long.
PROMETHEUS_TIMEOUT_S = 60

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-obs-cert-")
self_signed(CERT_DIR, "", "obs.e2e.test")
ENV = {"TERN_IMAP_AUTH_PLAINTEXT_NETWORKS": "127.0.0.0/8",
       "TERN_POP3_AUTH_PLAINTEXT_NETWORKS": "127.0.0.0/8"}
for svc in ("SMTP", "POP3", "IMAP"):  # TLS on, so the certificate expiry gauges exist
    ENV[f"TERN_{svc}_TLS_CERT_FILE"] = os.path.join(CERT_DIR, "cert.pem")
    ENV[f"TERN_{svc}_TLS_KEY_FILE"] = os.path.join(CERT_DIR, "key.pem")
SERVER = Server(smtp=True, pop3=True, imap=True, extra_env=ENV)
DOMAIN = "obs.test"
USER = f"olga@{DOMAIN}"
PASSWORD = new_password()

# A metric name in rules, dashboards and chart templates: tern_..., not a recording rule's
# level:metric:operation name (those contain colons).
METRIC = re.compile(r"(?<![\w:])(tern_[a-z0-9_]+)(?![\w:])")


def promtool(*args):
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)


def referenced_metrics():
    """Every tern_* metric named in deploy/ and helm/ (rules, dashboards, templates, values)."""
    names = {}
    for root in (DEPLOY, os.path.join(SOURCE, "helm")):
        for path in glob.glob(os.path.join(root, "**", "*"), recursive=True):
            # Rules, dashboards, chart templates and values (not the dashboards' generator,
            # the Dockerfile's build targets, or the rules' unit tests' made-up series).
            if not path.endswith((".yml", ".yaml", ".json", ".tpl")) or path.endswith(".test.yml"):
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for name in METRIC.findall(f.read()):
                    names.setdefault(name, os.path.relpath(path, SOURCE))
    return names


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def exported_names(text):
    """Family names (# TYPE lines, so a family with no sample yet counts) and sample names."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


class ObservabilityE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if PROMTOOL is None or PROMETHEUS is None:
            raise RuntimeError("promtool and prometheus are missing: ./scripts/install-deps.sh "
                               "installs Debian's prometheus package")
        SERVER.start()
        SERVER.ctl("domain", "add", DOMAIN)
        SERVER.ctl("user", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")
        # Traffic over every protocol, so labelled series exist as they would in production.
        msg = f"From: a@remote.example\r\nTo: {USER}\r\nSubject: seen\r\n\r\nhello\r\n"
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.sendmail("a@remote.example", [USER], msg.encode())
        m = imaplib.IMAP4("127.0.0.1", SERVER.imap_port, timeout=30)
        m.login(USER, PASSWORD)
        m.select("INBOX")
        m.fetch("1", "(BODY.PEEK[])")
        m.logout()
        p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        p.user(USER)
        p.pass_(PASSWORD)
        p.retr(1)
        p.quit()
        bad = imaplib.IMAP4("127.0.0.1", SERVER.imap_port, timeout=30)
        with contextlib.suppress(imaplib.IMAP4.error):
            bad.login(USER, "wrong")
        bad.logout()
        cls.ports = {"tern-storage": SERVER.storage_http, "tern-auth": SERVER.auth_http,
                     "tern-smtp": SERVER.smtp_http, "tern-pop3": SERVER.pop3_http,
                     "tern-imap": SERVER.imap_http}

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    def test_dashboards_are_well_formed_and_every_query_parses(self):
        r = subprocess.run(["python3", os.path.join(DEPLOY, "grafana", "dashboards.py"), "--check"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreaterEqual(len(DASHBOARDS), 7, "overview, SMTP, IMAP, POP3, storage, auth, queue")
        uids = set()
        rules = []
        for path in DASHBOARDS:
            name = os.path.basename(path)
            with open(path, encoding="utf-8") as f:
                dash = json.load(f)
            self.assertNotIn(dash.get("uid"), uids, f"{name}: uid used twice")
            self.assertTrue(dash.get("uid"), f"{name}: no stable uid")
            uids.add(dash["uid"])
            variables = {v["name"] for v in dash.get("templating", {}).get("list", [])}
            self.assertIn("datasource", variables, f"{name}: no datasource variable")
            ids = [p["id"] for p in dash.get("panels", [])]
            self.assertEqual(len(ids), len(set(ids)), f"{name}: duplicate panel ids")
            for panel in dash.get("panels", []):
                for target in panel.get("targets", []):
                    expr = target.get("expr")
                    if not expr:
                        continue
                    # Grafana's macros and variables as Prometheus would see them after Grafana.
                    expr = re.sub(r"\$__(rate_interval|interval|range)", "5m", expr)
                    expr = re.sub(r"\$\{?[a-zA-Z_]+\}?", "x", expr)
                    rules.append({"record": f"dashboard:expr:{len(rules)}", "expr": expr})
        self.assertTrue(rules, "no dashboard queries found")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"groups": [{"name": "dashboards", "rules": rules}]}, f)
        try:
            r = promtool("check", "rules", f.name)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            os.unlink(f.name)

    def test_every_metric_named_in_deploy_and_helm_is_exported(self):
        exported = set()
        for job, port in self.ports.items():
            names = exported_names(scrape(port))
            self.assertTrue(any(n.startswith("tern_") for n in names), f"{job} exports nothing")
            exported |= names
        missing = {}
        for name, where in referenced_metrics().items():
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in exported and base not in exported:
                missing[name] = where
        self.assertEqual(missing, {}, "named in deploy/ or helm/ but exported by no service")
        # The gateways' certificate (self_signed: valid for days, not expired).
        for job in ("tern-smtp", "tern-pop3", "tern-imap"):
            text = scrape(self.ports[job])
            found = re.search(r"^tern_tls_certificate_expiry_timestamp_seconds (\S+)$", text, re.M)
            self.assertIsNotNone(found, f"{job} exports no certificate expiry")
            self.assertGreater(float(found.group(1)), time.time(), f"{job}: expiry in the past")

    def test_real_prometheus_scrapes_every_service_and_evaluates_every_rule(self):
        work = tempfile.mkdtemp(prefix="/tmp/tern-e2e-prom-")
        try:
            with open(os.path.join(DEPLOY, "prometheus", "prometheus.yml"), encoding="utf-8") as f:
                config = f.read()
            # The shipped configuration (compose's host names), pointed at this suite.
            hosts = {"storage:9101": "tern-storage", "auth:9102": "tern-auth",
                     "smtp:9103": "tern-smtp", "pop3:9104": "tern-pop3", "imap:9105": "tern-imap"}
            for host, job in hosts.items():
                self.assertIn(f'"{host}"', config, f"prometheus.yml does not scrape {job}")
                config = config.replace(f'"{host}"', f'"127.0.0.1:{self.ports[job]}"')
            config = config.replace("/etc/prometheus/rules.yml", RULES)
            config = re.sub(r"scrape_interval: \S+", "scrape_interval: 1s\n  evaluation_interval: 1s",
                            config, count=1)
            path = os.path.join(work, "prometheus.yml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(config)
            r = promtool("check", "config", path)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            log = open(os.path.join(work, "prometheus.log"), "wb")
            proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={path}", f"--storage.tsdb.path={work}/data",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                api = f"http://127.0.0.1:{port}/api/v1"
                up, rules = self.wait_for_prometheus(proc, api, work)
                self.assertEqual(up, {job: "1" for job in hosts.values()}, "up per job")
                bad = {r["name"]: r.get("lastError", "") for r in rules if r["health"] != "ok"}
                self.assertEqual(bad, {}, "rules Prometheus could not evaluate")
                self.assertGreaterEqual(len(rules), 16)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                log.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def wait_for_prometheus(self, proc, api, work):
        """`up` by job and the rules, once every job was scraped and every rule evaluated."""
        deadline = time.monotonic() + PROMETHEUS_TIMEOUT_S
        while True:
            self.assertIsNone(proc.poll(), "prometheus exited: " + read(work, "prometheus.log"))
            try:
                up = {s["metric"]["job"]: s["value"][1]
                      for s in get_json(f"{api}/query?query=up")["data"]["result"]}
                rules = [r for g in get_json(f"{api}/rules")["data"]["groups"] for r in g["rules"]]
                if len(up) == 5 and rules and all(r["health"] != "unknown" for r in rules):
                    return up, rules
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                self.fail("prometheus did not scrape and evaluate in time: "
                          + read(work, "prometheus.log")[-3000:])
            time.sleep(0.5)


def read(directory, name):
    try:
        with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
