#!/usr/bin/env python3
"""Outbound delivery end to end: the all-in-one `tern` (storage, auth, smtp-ingress with its
delivery workers, pop3-gateway) against a throwaway PostgreSQL, a sink SMTP server started by
this test on loopback (offering STARTTLS), and clients we did not write: smtplib and swaks to
submit, poplib to read the bounces.

Remote recipients are address literals (user@[127.0.0.1]): the workers connect to
outbound.port on that address without DNS. The sink answers by the recipient's local part:
  ok-*      250
  later-*   451 on the first RCPT, 250 afterwards        (a retry after 4xx)
  busy-*    451 always                                   (gave up after outbound.max_age)
  reject-*  550 5.1.1                                    (a bounce after 5xx)
"""

import json
import os
import poplib
import re
import shutil
import smtplib
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from email import message_from_bytes
from email.message import EmailMessage

from harness import Server, new_password, self_signed, tls_context

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-cert-")
for name in ("tern", "sink"):
    self_signed(CERT_DIR, name, f"{name}.e2e.test")

DOMAIN = "e2e.test"
PASSWORD = new_password()
WAIT_S = 60  # upper bound for the workers to get somewhere; never a timing assertion


class Sink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SinkHandler)
        self.lock = threading.Lock()
        self.sessions = []        # one dict per SMTP transaction that reached DATA's end
        self.rcpt_log = []        # (address, code) for every RCPT
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(os.path.join(CERT_DIR, "sink-cert.pem"),
                                 os.path.join(CERT_DIR, "sink-key.pem"))

    def rcpt_reply(self, address):
        local = address.split("@")[0]
        with self.lock:
            seen = sum(1 for a, _ in self.rcpt_log if a == address)
            if local.startswith("later-"):
                code = 451 if seen == 0 else 250
            elif local.startswith("busy-"):
                code = 451
            elif local.startswith("reject-"):
                code = 550
            else:
                code = 250
            self.rcpt_log.append((address, code))
        return {250: b"250 2.1.5 ok\r\n", 451: b"451 4.2.1 mailbox busy, try later\r\n",
                550: b"550 5.1.1 no such user here\r\n"}[code]

    def delivered_to(self, address):
        with self.lock:
            return [s for s in self.sessions if address in s["rcpts"]]


class SinkHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.tls_conn = None
        try:
            self.converse()
        finally:
            if self.tls_conn is not None:
                self.tls_conn.close()

    def converse(self):
        sink = self.server
        conn = self.request
        rfile, wfile = self.rfile, self.wfile
        state = {"tls": False, "mail": None, "rcpts": [], "helo": None}

        def send(b):
            wfile.write(b)
            wfile.flush()

        send(b"220 sink.e2e.test ESMTP\r\n")
        while True:
            line = rfile.readline(4096)
            if not line:
                return
            cmd = line.rstrip(b"\r\n").decode("utf-8", "replace")
            verb = cmd.split(" ")[0].upper()
            if verb == "EHLO":
                state["helo"] = cmd[5:]
                ext = [b"250-sink.e2e.test", b"250-SIZE 10000000", b"250-8BITMIME"]
                if not state["tls"]:
                    ext.append(b"250-STARTTLS")
                ext.append(b"250 ENHANCEDSTATUSCODES")
                send(b"\r\n".join(ext) + b"\r\n")
            elif verb == "STARTTLS":
                send(b"220 2.0.0 go ahead\r\n")
                conn = self.tls_conn = sink.tls.wrap_socket(conn, server_side=True)
                rfile, wfile = conn.makefile("rb"), conn.makefile("wb")
                state = {"tls": True, "mail": None, "rcpts": [], "helo": None}
            elif verb == "MAIL":
                state["mail"] = re.search(r"<([^>]*)>", cmd).group(1)
                state["rcpts"] = []
                send(b"250 2.1.0 ok\r\n")
            elif verb == "RCPT":
                address = re.search(r"<([^>]*)>", cmd).group(1)
                reply = sink.rcpt_reply(address)
                if reply.startswith(b"250"):
                    state["rcpts"].append(address)
                send(reply)
            elif verb == "DATA":
                send(b"354 go ahead\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = rfile.readline(1 << 20)
                    if not chunk:
                        return
                    data += chunk
                with sink.lock:
                    sink.sessions.append({"tls": state["tls"], "mail": state["mail"],
                                          "rcpts": list(state["rcpts"]), "data": data,
                                          "helo": state["helo"]})
                send(b"250 2.0.0 queued in the sink\r\n")
            elif verb == "RSET":
                state["mail"], state["rcpts"] = None, []
                send(b"250 2.0.0 ok\r\n")
            elif verb == "QUIT":
                send(b"221 2.0.0 bye\r\n")
                return
            else:
                send(b"502 5.5.1 not here\r\n")


SINK = Sink()
threading.Thread(target=SINK.serve_forever, daemon=True).start()

SERVER = Server(smtp=True, pop3=True, extra_env={
    "TERN_SMTP_HOSTNAME": "mx.e2e.test",
    "TERN_SMTP_TLS_CERT_FILE": os.path.join(CERT_DIR, "tern-cert.pem"),
    "TERN_SMTP_TLS_KEY_FILE": os.path.join(CERT_DIR, "tern-key.pem"),
    "TERN_POP3_TLS_CERT_FILE": os.path.join(CERT_DIR, "tern-cert.pem"),
    "TERN_POP3_TLS_KEY_FILE": os.path.join(CERT_DIR, "tern-key.pem"),
    "TERN_SMTP_OUTBOUND_ENABLED": "true",
    "TERN_SMTP_OUTBOUND_PORT": str(SINK.server_address[1]),
    "TERN_SMTP_OUTBOUND_POLL_INTERVAL": "200ms",
    "TERN_SMTP_OUTBOUND_RETRY_INITIAL": "1s",
    "TERN_SMTP_OUTBOUND_RETRY_MAX": "2s",
    "TERN_SMTP_OUTBOUND_MAX_AGE": "6s",
    "TERN_SMTP_OUTBOUND_DELAY_WARNING": "2s",
    "TERN_SMTP_OUTBOUND_TIMEOUT": "30s",
    "TERN_STORAGE_METRICS_QUEUE_INTERVAL": "200ms",
})



def wait_for(what, predicate):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {WAIT_S}s for {what}\n" + SERVER.log()[-4000:])


class OutboundE2E(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        SERVER.start()
        cls.ctl("domain", "add", DOMAIN)
        for user in ("alice", "bob"):
            cls.ctl("user", "add", f"{user}@{DOMAIN}", "--password-stdin", stdin=PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        SINK.shutdown()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    @staticmethod
    def ctl(*args, stdin=""):
        return SERVER.ctl(*args, stdin=stdin, home=CERT_DIR)

    def queue(self):
        jobs = json.loads(self.ctl("--json", "queue", "list"))
        return jobs if isinstance(jobs, list) else jobs.get("jobs", [])

    def submit(self, rcpts, subject, body="Hello from the outbound test.\n.leading dot\n"):
        m = EmailMessage()
        m["From"] = f"alice@{DOMAIN}"
        m["To"] = ", ".join(rcpts)
        m["Subject"] = subject
        m.set_content(body)
        raw = m.as_bytes().replace(b"\n", b"\r\n")
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(f"alice@{DOMAIN}", PASSWORD)
            refused = s.sendmail(f"alice@{DOMAIN}", rcpts, raw)
        self.assertEqual(refused, {})
        return raw

    def pop3_messages(self, user):
        p = poplib.POP3_SSL("127.0.0.1", SERVER.pop3s_port, context=tls_context(), timeout=30)
        try:
            p.user(f"{user}@{DOMAIN}")
            p.pass_(PASSWORD)
            count, _ = p.stat()
            return [b"\r\n".join(p.retr(i)[1]) for i in range(1, count + 1)]
        finally:
            p.quit()

    def bounces_for(self, user, address):
        return [m for m in self.pop3_messages(user)
                if b"multipart/report" in m and f"rfc822; {address}".encode() in m]

    def test_delivery_over_starttls_with_exact_bytes_and_a_local_copy(self):
        rcpt = "ok-1@[127.0.0.1]"
        raw = self.submit([rcpt, f"bob@{DOMAIN}"], "outbound one")
        sessions = wait_for("the sink to receive " + rcpt, lambda: SINK.delivered_to(rcpt))
        s = sessions[0]
        self.assertTrue(s["tls"], "STARTTLS was offered, so it was used")
        self.assertEqual(s["mail"], f"alice@{DOMAIN}")
        self.assertEqual(s["helo"], "mx.e2e.test")
        data = s["data"]
        self.assertFalse(data.startswith(b"Return-Path:"), "a relay sends no Return-Path")
        self.assertTrue(data.startswith(b"Received: from "), data[:100])
        # What alice sent, byte for byte after our Received header, dot-stuffed on the wire.
        self.assertTrue(data.endswith(raw.replace(b"\r\n.", b"\r\n..") + b".\r\n"), data[-200:])
        # bob's copy came in the same commit.
        self.assertTrue(any(b"Subject: outbound one" in m for m in self.pop3_messages("bob")))
        wait_for("the job to leave the queue",
                 lambda: not any(rcpt in j.get("recipients", []) for j in self.queue()))

    def test_retry_after_a_temporary_failure(self):
        rcpt = "later-1@[127.0.0.1]"
        self.submit([rcpt], "outbound later")
        wait_for("the retried delivery", lambda: SINK.delivered_to(rcpt))
        with SINK.lock:
            codes = [c for a, c in SINK.rcpt_log if a == rcpt]
        self.assertEqual(codes, [451, 250], "first refused with 4xx, then accepted on retry")
        self.assertEqual(self.bounces_for("alice", rcpt), [], "no bounce for a retried success")

    def test_bounce_after_a_permanent_failure(self):
        bad, good = "reject-1@[127.0.0.1]", "ok-2@[127.0.0.1]"
        self.submit([bad, good], "outbound reject")
        wait_for("the good recipient's delivery", lambda: SINK.delivered_to(good))
        bounces = wait_for("the bounce in alice's INBOX", lambda: self.bounces_for("alice", bad))
        self.assertEqual(len(bounces), 1)
        dsn = message_from_bytes(bounces[0])
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        self.assertEqual(dsn.get_param("report-type"), "delivery-status")
        self.assertEqual(dsn["Return-Path"], "<>")
        self.assertEqual(dsn["Auto-Submitted"], "auto-replied")
        parts = {p.get_content_type(): p for p in dsn.walk()}
        self.assertIn("message/delivery-status", parts)
        status = bounces[0].decode()
        self.assertIn("Reporting-MTA: dns; mx.e2e.test", status)
        self.assertIn(f"Final-Recipient: rfc822; {bad}", status)
        self.assertIn("Action: failed", status)
        self.assertIn("Status: 5.1.1", status)
        self.assertIn("Diagnostic-Code: smtp; 550 5.1.1 no such user here", status)
        self.assertNotIn(f"rfc822; {good}", status, "only the failed recipient is reported")
        self.assertIn("text/rfc822-headers", parts)
        self.assertIn("Subject: outbound reject", status)

    def test_warns_once_then_gives_up_after_the_maximum_age_and_bounces(self):
        rcpt = "busy-1@[127.0.0.1]"
        self.submit([rcpt], "outbound busy")

        def reports(action):
            return [m for m in self.bounces_for("alice", rcpt)
                    if f"Action: {action}".encode() in m]
        bounces = wait_for("the give-up bounce", lambda: reports("failed"))
        warnings = reports("delayed")
        self.assertEqual(len(warnings), 1, "one delay warning (outbound.delay_warning 2s)")
        warning = warnings[0].decode()
        self.assertIn("Subject: Delayed Mail (still being retried)", warning)
        self.assertIn("Will-Retry-Until: ", warning)
        self.assertIn("Status: 4.2.1", warning)
        status = bounces[0].decode()
        self.assertIn("Status: 4.2.1", status)
        self.assertIn("gave up after", status)
        with SINK.lock:
            attempts = [c for a, c in SINK.rcpt_log if a == rcpt]
        self.assertGreaterEqual(len(attempts), 2, "retried before giving up")
        self.assertTrue(all(c == 451 for c in attempts))
        jobs = [j for j in self.queue() if rcpt in j.get("recipients", [])]
        self.assertEqual(len(jobs), 1, "kept for the operator as failed")
        self.assertEqual(jobs[0].get("state"), "failed")

    def test_swaks_submission_over_implicit_tls(self):
        rcpt = "ok-swaks@[127.0.0.1]"
        r = subprocess.run(["swaks", "--server", f"127.0.0.1:{SERVER.submissions}", "--tls-on-connect",
                            "--auth", "PLAIN", "--auth-user", f"alice@{DOMAIN}",
                            "--auth-password", PASSWORD, "--from", f"alice@{DOMAIN}",
                            "--to", rcpt, "--header", "Subject: outbound swaks"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sessions = wait_for("the swaks message at the sink", lambda: SINK.delivered_to(rcpt))
        self.assertIn(b"Subject: outbound swaks", sessions[0]["data"])

    def test_no_relay_without_authentication(self):
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.ehlo()
            s.mail("someone@remote.example")
            code, msg = s.rcpt("ok-relay@[127.0.0.1]")
        self.assertEqual(code, 550)
        self.assertIn(b"5.7.1", msg)
        self.assertEqual(SINK.delivered_to("ok-relay@[127.0.0.1]"), [])

    def test_zz_metrics_count_the_outcomes(self):
        # Runs last (alphabetical order): every outcome above has happened.
        with urllib.request.urlopen(f"http://127.0.0.1:{SERVER.smtp_http}/metrics", timeout=10) as r:
            text = r.read().decode()

        def value(result):
            m = re.search(r'^tern_smtp_outbound_recipients_total\{result="%s"\} (\S+)$' % result,
                          text, re.M)
            return float(m.group(1)) if m else 0.0
        self.assertGreaterEqual(value("delivered"), 3)
        self.assertGreaterEqual(value("deferred"), 1)
        self.assertGreaterEqual(value("bounced"), 2)
        self.assertRegex(text, r'tern_smtp_bounces_total\{result="sent"\} [1-9]')
        self.assertRegex(text, r'tern_smtp_bounces_total\{result="delay_warning"\} [1-9]')
        self.assertIn("tern_smtp_outbound_attempt_duration_seconds_count", text)

        # The queue gauges of the storage service: the job that gave up is there as failed.
        def storage_failed():
            with urllib.request.urlopen(f"http://127.0.0.1:{SERVER.storage_http}/metrics",
                                        timeout=10) as r:
                m = re.search(r'^tern_storage_outbound_jobs\{state="failed"\} (\S+)$',
                              r.read().decode(), re.M)
            return m is not None and float(m.group(1)) >= 1
        wait_for("tern_storage_outbound_jobs{state=\"failed\"} >= 1", storage_failed)


if __name__ == "__main__":
    unittest.main(verbosity=2)
