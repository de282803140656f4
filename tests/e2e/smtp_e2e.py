#!/usr/bin/env python3
"""SMTP end to end: the all-in-one `tern` (storage, auth, smtp-ingress) against a throwaway
PostgreSQL, driven by clients we did not write: Python's smtplib, curl and swaks.

A self-signed certificate is made with openssl for STARTTLS and implicit TLS; accounts are
created with ternctl; what arrived is checked through `ternctl mailbox list` (message counts
read from the storage service).
"""

import json
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import unittest
from email.message import EmailMessage

from harness import Server, new_password, self_signed, tls_context

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-cert-")
self_signed(CERT_DIR, "", "mx.e2e.test")

SERVER = Server(smtp=True, extra_env={
    "TERN_SMTP_HOSTNAME": "mx.e2e.test",
    "TERN_SMTP_TLS_CERT_FILE": os.path.join(CERT_DIR, "cert.pem"),
    "TERN_SMTP_TLS_KEY_FILE": os.path.join(CERT_DIR, "key.pem"),
    "TERN_SMTP_LIMITS_MAX_MESSAGE_BYTES": "200000",
    "TERN_SMTP_LIMITS_MAX_CONNECTIONS_PER_IP": "8",
})
PER_IP = 8

DOMAIN = "e2e.test"
PASSWORDS = {"alice": new_password(), "bob": new_password()}



class SmtpE2E(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        SERVER.start()
        cls.ctl("domain", "add", DOMAIN)
        for user, pw in PASSWORDS.items():
            cls.ctl("user", "add", f"{user}@{DOMAIN}", "--password-stdin", stdin=pw + "\n")

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    @staticmethod
    def ctl(*args, stdin=""):
        return SERVER.ctl(*args, stdin=stdin, home=CERT_DIR)

    def inbox_count(self, user):
        boxes = json.loads(self.ctl("--json", "mailbox", "list", f"{user}@{DOMAIN}"))
        rows = boxes if isinstance(boxes, list) else boxes.get("mailboxes", [])
        for b in rows:
            if b.get("name") == "INBOX":
                return int(b.get("messages", 0))
        raise AssertionError(f"no INBOX in {boxes}")

    def message(self, subject, body="Hello from the e2e test.\n", sender="sender@remote.example",
                to=f"alice@{DOMAIN}"):
        m = EmailMessage()
        m["From"] = sender
        m["To"] = to
        m["Subject"] = subject
        m.set_content(body)
        return m

    def test_capabilities_on_the_mx_port(self):
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            code, banner = s.ehlo("client.example")
            self.assertEqual(code, 250)
            for ext in ("pipelining", "size", "8bitmime", "smtputf8", "chunking",
                        "enhancedstatuscodes", "starttls"):
                self.assertTrue(s.has_extn(ext), ext)
            self.assertEqual(s.esmtp_features["size"], "200000")
            self.assertFalse(s.has_extn("auth"), "no AUTH offered in plaintext")

    def test_delivery_through_the_mx_port(self):
        before = self.inbox_count("alice")
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            refused = s.send_message(self.message("mx delivery"))
        self.assertEqual(refused, {})
        self.assertEqual(self.inbox_count("alice"), before + 1)

    def test_postmaster_is_accepted_without_auth(self):
        # RFC 5321 4.5.1: <Postmaster> alone and postmaster@ of our domain in any case; with no
        # account, alias or target of that name it reaches the domain's first account (alice).
        before = self.inbox_count("alice")
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            for rcpt in ("<Postmaster>", f"<POSTMASTER@{DOMAIN}>"):
                s.ehlo()
                self.assertEqual(s.mail("sender@remote.example")[0], 250)
                code, msg = s.rcpt(rcpt)
                self.assertEqual(code, 250, (rcpt, msg))
                self.assertEqual(s.data(b"Subject: for the postmaster\r\n\r\nhello\r\n")[0], 250)
        self.assertEqual(self.inbox_count("alice"), before + 2)

    def test_long_lines_reach_our_mailboxes_but_are_not_relayed(self):
        # Outlook and IIS send lines over RFC 5322's 998 characters: kept for local mailboxes.
        before = self.inbox_count("alice")
        body = b"Subject: one long line\r\n\r\n" + b"<p>" * 3000 + b"\r\n"
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            self.assertEqual(s.sendmail("sender@remote.example", [f"alice@{DOMAIN}"], body), {})
        self.assertEqual(self.inbox_count("alice"), before + 1)
        # The same message for another domain is refused while the sender is connected.
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(f"alice@{DOMAIN}", PASSWORDS["alice"])
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail(f"alice@{DOMAIN}", ["someone@elsewhere.example"], body)
            self.assertEqual(e.exception.smtp_code, 554)
            self.assertIn(b"5.6.0", e.exception.smtp_error)
            self.assertIn(b"relayed", e.exception.smtp_error)

    def test_unknown_recipient_and_open_relay_are_refused(self):
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.ehlo()
            s.mail("sender@remote.example")
            code, msg = s.rcpt(f"nobody@{DOMAIN}")
            self.assertEqual(code, 550)
            self.assertIn(b"5.1.1", msg)
            code, msg = s.rcpt("victim@elsewhere.example")
            self.assertEqual(code, 550, "no open relay")
            self.assertIn(b"5.7.1", msg)

    def test_plaintext_auth_is_refused_without_tls(self):
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.ehlo()
            self.assertFalse(s.has_extn("auth"))
            code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlQGUyZS50ZXN0AHNlY3JldA==")
            self.assertEqual(code, 530, "must STARTTLS first")
            code, _ = s.docmd("MAIL", "FROM:<alice@e2e.test>")
            self.assertEqual(code, 530, "submission needs AUTH")

    def test_starttls_then_auth_plain_and_login_on_submission(self):
        before = self.inbox_count("bob")
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.starttls(context=tls_context())
            s.ehlo()
            self.assertTrue(s.has_extn("auth"))
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(f"alice@{DOMAIN}", "wrong password")
            s.login(f"alice@{DOMAIN}", PASSWORDS["alice"])
            s.send_message(self.message("via submission", sender=f"alice@{DOMAIN}",
                                        to=f"bob@{DOMAIN}"))
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.starttls(context=tls_context())
            s.ehlo()
            s.user, s.password = f"bob@{DOMAIN}", PASSWORDS["bob"]
            code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
            self.assertEqual(code, 235)
        self.assertEqual(self.inbox_count("bob"), before + 1)

    def test_implicit_tls_submissions_port(self):
        before = self.inbox_count("bob")
        with smtplib.SMTP_SSL("127.0.0.1", SERVER.submissions, context=tls_context(),
                              timeout=30) as s:
            s.login(f"bob@{DOMAIN}", PASSWORDS["bob"])
            s.send_message(self.message("implicit tls", sender=f"bob@{DOMAIN}",
                                        to=f"bob@{DOMAIN}"))
        self.assertEqual(self.inbox_count("bob"), before + 1)

    def test_an_address_filling_the_mx_port_can_still_submit(self):
        # Each listener counts its own connections: PER_IP idle sockets on MX (the attack from
        # the security review) leave submission and submissions reachable for the same address.
        idle = [socket.create_connection(("127.0.0.1", SERVER.mx), timeout=30)
                for _ in range(PER_IP)]
        try:
            for sock in idle:
                self.assertTrue(sock.recv(512).startswith(b"220 "))
            with socket.create_connection(("127.0.0.1", SERVER.mx), timeout=30) as extra:
                self.assertTrue(extra.recv(512).startswith(b"421 4.7.0 "), "MX is full")
            before = self.inbox_count("bob")
            with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
                s.starttls(context=tls_context())
                s.login(f"alice@{DOMAIN}", PASSWORDS["alice"])
                s.send_message(self.message("while MX is busy", sender=f"alice@{DOMAIN}",
                                            to=f"bob@{DOMAIN}"))
            self.assertEqual(self.inbox_count("bob"), before + 1)
        finally:
            for sock in idle:
                sock.close()

    def test_the_implicit_tls_port_says_why_it_refuses(self):
        # 465 at its cap: the 421 goes over TLS (before, the connection just closed).
        held = []
        try:
            for _ in range(PER_IP):
                t = tls_context().wrap_socket(
                    socket.create_connection(("127.0.0.1", SERVER.submissions), timeout=30))
                self.assertTrue(t.recv(512).startswith(b"220 "))
                held.append(t)
            with tls_context().wrap_socket(
                    socket.create_connection(("127.0.0.1", SERVER.submissions),
                                             timeout=30)) as refused:
                self.assertEqual(refused.recv(512),
                                 b"421 4.7.0 Too many connections; try again later\r\n")
        finally:
            for t in held:
                t.close()

    def test_idle_connections_do_not_starve_readyz(self):
        # 64 idle connections used to make /readyz reset for 30 s; now 300 do not, and the
        # probe is answered every time (curl, as a kubelet's HTTP probe would).
        idle = [socket.create_connection(("127.0.0.1", SERVER.smtp_http), timeout=30)
                for _ in range(300)]
        try:
            for _ in range(5):
                out = subprocess.run(
                    ["curl", "-sS", "--max-time", "10", "-w", " %{http_code}",
                     f"http://127.0.0.1:{SERVER.smtp_http}/readyz"],
                    capture_output=True, text=True)
                self.assertEqual(out.stdout, "ready 200", out.stderr)
                idle.append(socket.create_connection(("127.0.0.1", SERVER.smtp_http), timeout=30))
        finally:
            for sock in idle:
                sock.close()

    def test_request_ids_follow_a_session_into_auth(self):
        # The gateway sends its connection id as x-request-id; auth's log line for the failed
        # login carries it, so one id ties the two services' lines together.
        with smtplib.SMTP("127.0.0.1", SERVER.submission, timeout=30) as s:
            s.starttls(context=tls_context())
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(f"bob@{DOMAIN}", "not bob's password")
        lines = [json.loads(l) for l in SERVER.log().splitlines() if l.startswith("{")]
        smtp_conns = {l["conn"] for l in lines if l.get("msg") == "smtp connect" and "conn" in l}
        failed = [l for l in lines if l.get("msg", "").startswith("login failed")
                  and l.get("user", l.get("account", "")).startswith("bob@")]
        self.assertTrue(failed, "auth logged the failed login")
        self.assertIn(failed[-1].get("req"), smtp_conns)

    def test_gateway_readiness_reflects_its_backends(self):
        out = subprocess.run(["curl", "-sS", "-w", " %{http_code}",
                              f"http://127.0.0.1:{SERVER.smtp_http}/readyz"],
                             capture_output=True, text=True)
        self.assertEqual(out.stdout, "ready 200", out.stderr)

    def test_size_limit(self):
        big = self.message("too big", body="x" * 250000)
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            with self.assertRaises(smtplib.SMTPSenderRefused) as e:
                s.send_message(big)  # smtplib announces SIZE=..., refused at MAIL
            self.assertEqual(e.exception.smtp_code, 552)

    def test_pipelined_group_over_a_raw_socket(self):
        before = self.inbox_count("alice")
        with socket.create_connection(("127.0.0.1", SERVER.mx), timeout=30) as sock:
            f = sock.makefile("rb")
            self.assertTrue(f.readline().startswith(b"220 "))
            sock.sendall(b"EHLO raw\r\nMAIL FROM:<a@remote.example>\r\n"
                         b"RCPT TO:<alice@e2e.test>\r\nDATA\r\n")
            codes = []
            while len(codes) < 4:
                line = f.readline()
                if line[3:4] == b" ":
                    codes.append(int(line[:3]))
            self.assertEqual(codes, [250, 250, 250, 354])
            sock.sendall(b"Subject: pipelined\r\n\r\nhi\r\n.\r\nQUIT\r\n")
            self.assertTrue(f.readline().startswith(b"250 "))
            self.assertTrue(f.readline().startswith(b"221 "))
        self.assertEqual(self.inbox_count("alice"), before + 1)

    def test_bdat_chunks_with_smtplib(self):
        # smtplib has no BDAT helper; its send/getreply are the client (RFC 3030 framing).
        before = self.inbox_count("alice")
        part1 = b"Subject: chunked\r\nTo: alice@e2e.test\r\n\r\nfirst half, "
        part2 = b"second half.\r\n.a line starting with a dot is not special here\r\n"
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.ehlo()
            self.assertTrue(s.has_extn("chunking"))
            self.assertEqual(s.mail("a@remote.example", ["BODY=BINARYMIME"])[0], 250)
            self.assertEqual(s.rcpt(f"alice@{DOMAIN}")[0], 250)
            s.send(b"BDAT %d\r\n" % len(part1) + part1)
            self.assertEqual(s.getreply()[0], 250)
            s.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
            code, msg = s.getreply()
            self.assertEqual(code, 250, msg)
            # BDAT outside a transaction: the chunk is read and refused, the session goes on.
            s.send(b"BDAT 5 LAST\r\nhello")
            self.assertEqual(s.getreply()[0], 503)
            self.assertEqual(s.noop()[0], 250)
        self.assertEqual(self.inbox_count("alice"), before + 1)

    def test_8bitmime_and_an_smtputf8_address(self):
        before = self.inbox_count("alice")
        msg = "From: José <josé@remote.example>\r\nTo: alice@e2e.test\r\nSubject: café\r\n" \
              "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n" \
              "\r\nÇa marche.\r\n"
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.ehlo()
            s.sendmail("josé@remote.example", [f"alice@{DOMAIN}"], msg.encode("utf-8"),
                       mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        self.assertEqual(self.inbox_count("alice"), before + 1)

    def test_curl_sends_mail(self):
        before = self.inbox_count("alice")
        with tempfile.NamedTemporaryFile("w", suffix=".eml", delete=False) as f:
            f.write("From: curl@remote.example\r\nTo: alice@e2e.test\r\nSubject: curl\r\n\r\nhi\r\n")
        try:
            r = subprocess.run(["curl", "-sS", f"smtp://127.0.0.1:{SERVER.mx}",
                                "--mail-from", "curl@remote.example", "--mail-rcpt",
                                f"alice@{DOMAIN}", "--upload-file", f.name],
                               capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.inbox_count("alice"), before + 1)

    def test_swaks_with_starttls_and_auth(self):
        before = self.inbox_count("bob")
        r = subprocess.run(["swaks", "--server", f"127.0.0.1:{SERVER.submission}", "--tls",
                            "--auth", "PLAIN", "--auth-user", f"alice@{DOMAIN}",
                            "--auth-password", PASSWORDS["alice"], "--from", f"alice@{DOMAIN}",
                            "--to", f"bob@{DOMAIN}", "--header", "Subject: swaks"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.inbox_count("bob"), before + 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
