#!/usr/bin/env python3
"""POP3 end to end: the all-in-one `tern` against a throwaway PostgreSQL; mail arrives over
SMTP (smtplib) and is read with clients we did not write: Python's poplib and curl.
"""

import base64
import os
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Server, new_password, self_signed, tls_context

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-pop3-cert-")
self_signed(CERT_DIR, "", "pop.e2e.test")
TLS_ENV = {}
for svc in ("SMTP", "POP3"):
    TLS_ENV[f"TERN_{svc}_TLS_CERT_FILE"] = os.path.join(CERT_DIR, "cert.pem")
    TLS_ENV[f"TERN_{svc}_TLS_KEY_FILE"] = os.path.join(CERT_DIR, "key.pem")
# A short road to the lockout, so that throttling shows within a few attempts.
SERVER = Server(smtp=True, pop3=True, extra_env={**TLS_ENV, "TERN_AUTH_THROTTLE_LOCKOUT_AFTER": "4"})

import poplib  # noqa: E402

DOMAIN = "pop.test"
CAROL, DAVE, EVE, FRANK, GRACE, HEIDI, IVAN = (
    f"{u}@{DOMAIN}" for u in ("carol", "dave", "eve", "frank", "grace", "heidi", "ivan"))
PW = {u: new_password() for u in (CAROL, DAVE, EVE, FRANK, GRACE, HEIDI, IVAN)}
APOP_SECRET = "tanstaaf-" + new_password()



class Pop3E2E(unittest.TestCase):
    sent = {}

    @classmethod
    def setUpClass(cls):
        SERVER.start()
        cls.ctl("domain", "add", DOMAIN)
        for user, pw in PW.items():
            cls.ctl("user", "add", user, "--password-stdin", stdin=pw + "\n")
        cls.ctl("user", "apop", "enable", EVE, stdin=APOP_SECRET + "\n")

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    @staticmethod
    def ctl(*args, stdin=""):
        return SERVER.ctl(*args, stdin=stdin, home=CERT_DIR)

    def deliver(self, to, subject, body):
        msg = (f"From: sender@remote.example\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}")
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.sendmail("sender@remote.example", [to], msg.encode())
        return msg.encode()

    def login(self, user, tls=True):
        p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        if tls:
            p.stls(context=tls_context())
        p.user(user)
        p.pass_(PW[user])
        return p

    def login_after_drop(self, user):
        """Logs in once the server noticed a dropped connection and released its lock: the
        release happens when the old session reads the end of its connection."""
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.login(user)
            except poplib.error_proto as e:
                if b"[IN-USE]" not in e.args[0] or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def test_capabilities_and_plaintext_login_refused(self):
        p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        caps = p.capa()
        for c in ("STLS", "UIDL", "TOP", "RESP-CODES", "PIPELINING", "IMPLEMENTATION"):
            self.assertIn(c, caps)
        self.assertNotIn("USER", caps, "no plaintext login offered before STLS")
        with self.assertRaises(poplib.error_proto) as e:
            p.user(CAROL)
            p.pass_(PW[CAROL])
        self.assertIn(b"[AUTH]", e.exception.args[0])
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("RPOP carol")
        p.quit()

    def test_retrieve_top_uidl_and_deletion_only_at_quit(self):
        sent = [self.deliver(DAVE, f"pop {i}", f"line one {i}\r\n.dotted line\r\nline three\r\n")
                for i in range(3)]
        p = self.login(DAVE)
        count, size = p.stat()
        self.assertEqual(count, 3)
        _, listing, _ = p.list()
        self.assertEqual(len(listing), 3)
        self.assertEqual(sum(int(l.split()[1]) for l in listing), size)
        _, uidl1, _ = p.uidl()
        _, lines, octets = p.retr(2)
        got = b"\r\n".join(lines) + b"\r\n"
        self.assertTrue(got.endswith(sent[1]), "RETR returns the stored bytes (trace headers + sent)")
        self.assertEqual(len(got), int(listing[1].split()[1]), "LIST size matches RETR")
        _, top0, _ = p.top(1, 0)
        self.assertIn(b"Subject: pop 0", top0)
        self.assertNotIn(b"line one 0", top0)
        _, top1, _ = p.top(1, 1)
        self.assertEqual(top1[-1], b"line one 0")
        self.assertTrue(p.noop().startswith(b"+OK"))
        p.dele(3)
        self.assertEqual(p.stat()[0], 2, "a marked message is hidden")
        self.assertTrue(p.rset().startswith(b"+OK"))
        self.assertEqual(p.stat()[0], 3, "RSET unmarks")
        p.dele(1)
        with self.assertRaises(poplib.error_proto):
            p.retr(1)
        # Drop the connection without QUIT: nothing is deleted.
        p.sock.shutdown(socket.SHUT_RDWR)
        p.sock.close()
        p = self.login_after_drop(DAVE)
        self.assertEqual(p.stat()[0], 3, "a dropped connection deletes nothing")
        _, uidl2, _ = p.uidl()
        self.assertEqual(uidl1, uidl2, "UIDL values are stable across sessions")
        p.dele(1)
        p.quit()
        p = self.login(DAVE)
        self.assertEqual(p.stat()[0], 2, "QUIT applied the deletion")
        _, uidl3, _ = p.uidl()
        self.assertEqual([u.split()[1] for u in uidl3], [u.split()[1] for u in uidl1[1:]])
        p.quit()

    def test_list_size_is_what_retr_sends_for_binarymime_without_final_crlf(self):
        # BODY=BINARYMIME over BDAT (RFC 3030): stored as sent, here with a bare LF and no line
        # end at the end. RETR sends CRLF line ends, so LIST and STAT count those octets.
        msg = (f"From: sender@remote.example\r\nTo: {HEIDI}\r\nSubject: binary\r\n"
               "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n\r\n"
               "first line\r\n.a dot line\r\nbare LF here\nand no final line end").encode()
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.ehlo()
            self.assertTrue(s.has_extn("binarymime"))
            self.assertEqual(s.mail("sender@remote.example", ["BODY=BINARYMIME"])[0], 250)
            self.assertEqual(s.rcpt(HEIDI)[0], 250)
            s.send(b"BDAT %d LAST\r\n" % len(msg) + msg)
            code, reply = s.getreply()
            self.assertEqual(code, 250, reply)
        p = self.login(HEIDI)
        count, total = p.stat()
        self.assertEqual(count, 1)
        _, listing, _ = p.list()
        listed = int(listing[0].split()[1])
        self.assertEqual(p.list(1), b"+OK 1 %d" % listed)
        resp, lines, octets = p.retr(1)
        self.assertEqual(lines[-3:], [b".a dot line", b"bare LF here", b"and no final line end"],
                         "the body as sent, the bare LF and the end sent as CRLF")
        sent = sum(len(line) + 2 for line in lines)  # poplib undid the dot-stuffing
        self.assertEqual(listed, sent, "LIST size is the octets RETR sent")
        self.assertEqual(total, sent, "STAT total is the octets RETR sent")
        self.assertEqual(octets, sent)
        m = re.match(rb"\+OK (\d+) octets", resp)
        if m:
            self.assertEqual(int(m.group(1)), sent, "the octets RETR announced")
        p.quit()

    def test_a_message_of_several_storage_chunks_is_streamed_exactly(self):
        # Over 256 KiB, RETR streams storage's chunks (256 KB each) through the gateway; dot
        # lines fall on and around the chunk boundaries.
        body_lines = []
        for i in range(30000):
            body_lines.append(f".dot line {i}" if i % 7 == 0 else f"line {i} " + "x" * (i % 50))
        big = self.deliver(IVAN, "big", "\r\n".join(body_lines) + "\r\n")
        self.deliver(IVAN, "small", "after the big one\r\n")
        self.assertGreater(len(big), 3 * 256 * 1024)
        p = self.login(IVAN)
        _, listing, _ = p.list()
        listed = [int(x.split()[1]) for x in listing]
        resp, lines, octets = p.retr(1)
        self.assertEqual(lines[-len(body_lines):], [x.encode() for x in body_lines],
                         "every line back, the dot lines unstuffed by poplib")
        self.assertEqual(sum(len(line) + 2 for line in lines), listed[0])
        _, top, _ = p.top(1, 2)
        self.assertEqual(top[-2:], [x.encode() for x in body_lines[:2]])
        _, lines, _ = p.retr(2)
        self.assertEqual(lines[-1], b"after the big one", "the session goes on after it")
        self.assertIn(b"Subject: small", lines)
        p.quit()

    def test_second_concurrent_login_is_in_use(self):
        first = self.login(CAROL)
        second = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        second.stls(context=tls_context())
        second.user(CAROL)
        with self.assertRaises(poplib.error_proto) as e:
            second.pass_(PW[CAROL])
        self.assertIn(b"[IN-USE]", e.exception.args[0])
        first.quit()
        again = self.login(CAROL)  # released at QUIT
        again.quit()

    def test_implicit_tls_with_apop(self):
        p = poplib.POP3_SSL("127.0.0.1", SERVER.pop3s_port, context=tls_context(), timeout=30)
        self.assertIn(b"<", p.getwelcome(), "the greeting carries an APOP timestamp")
        self.deliver(EVE, "for apop", "read with APOP\r\n")
        p.apop(EVE, APOP_SECRET)
        count = p.stat()[0]
        self.assertGreaterEqual(count, 1)
        self.assertIn(b"Subject: for apop", p.retr(count)[1], "the newest message is the one sent")
        p.quit()
        p = poplib.POP3_SSL("127.0.0.1", SERVER.pop3s_port, context=tls_context(), timeout=30)
        with self.assertRaises(poplib.error_proto) as e:
            p.apop(EVE, "wrong secret")
        self.assertIn(b"[AUTH]", e.exception.args[0])

    def test_sasl_plain_with_initial_response(self):
        p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        p.stls(context=tls_context())
        token = base64.b64encode(b"\0" + CAROL.encode() + b"\0" + PW[CAROL].encode()).decode()
        self.assertTrue(p._shortcmd("AUTH PLAIN " + token).startswith(b"+OK"))
        p.quit()

    def test_curl_reads_over_pop3s(self):
        self.deliver(CAROL, "for curl", "hello curl\r\n")
        url = f"pop3s://127.0.0.1:{SERVER.pop3s_port}/"
        listing = subprocess.run(["curl", "-sSk", url, "-u", f"{CAROL}:{PW[CAROL]}"],
                                 capture_output=True, timeout=60)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        newest = listing.stdout.split()[-2].decode()  # "n size" lines: the last number
        r = subprocess.run(["curl", "-sSk", url + newest, "-u", f"{CAROL}:{PW[CAROL]}"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"Subject: for curl", r.stdout)
        self.assertIn(b"hello curl", r.stdout)

    def fetchmail(self, keep):
        """Runs fetchmail once over POP3S; returns what its MDA received."""
        out = os.path.join(CERT_DIR, f"fetched-{keep}")
        rc = os.path.join(CERT_DIR, f"fetchmailrc-{keep}")
        with open(rc, "w") as f:
            f.write(f'set no syslog\n'
                    f'poll 127.0.0.1 service {SERVER.pop3s_port} proto pop3 auth password\n'
                    f'  user "{FRANK}" password "{PW[FRANK]}"\n'
                    f'  ssl no sslcertck fetchall {"keep" if keep else "nokeep"}\n'
                    f'  mda "/bin/sh -c \'cat >> {out}\'"\n')
        os.chmod(rc, 0o600)
        r = subprocess.run(["fetchmail", "-f", rc, "--idfile", rc + ".ids", "--nodetach",
                            "--nosyslog"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "HOME": CERT_DIR})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out, "rb") as f:
            return f.read()

    def test_fetchmail_keep_and_no_keep(self):
        self.deliver(FRANK, "fm one", "first\r\n")
        self.deliver(FRANK, "fm two", "second\r\n")
        got = self.fetchmail(keep=True)
        self.assertIn(b"Subject: fm one", got)
        self.assertIn(b"Subject: fm two", got)
        p = self.login_after_drop(FRANK)
        self.assertEqual(p.stat()[0], 2, "keep leaves the messages on the server")
        p.quit()
        self.fetchmail(keep=False)
        p = self.login_after_drop(FRANK)
        self.assertEqual(p.stat()[0], 0, "nokeep deleted them at QUIT")
        p.quit()

    def test_sequential_logins_never_find_the_maildrop_in_use(self):
        # fetchmail polling, a phone retrying: log in, QUIT, log in again at once. The lock is
        # released before the +OK to QUIT, after the deletions committed.
        for i in range(3):
            self.deliver(GRACE, f"seq {i}", "hello\r\n")
        for i in range(300):
            try:
                p = self.login(GRACE)
            except poplib.error_proto as e:
                self.fail(f"login {i}: {e.args[0]!r}")
            if i < 3:
                p.dele(1)
            self.assertTrue(p.quit().startswith(b"+OK"))
        p = self.login(GRACE)
        self.assertEqual(p.stat()[0], 0, "each of the first three QUITs deleted one message")
        p.quit()

    def test_repeated_bad_passwords_are_throttled(self):
        user = f"nobody-{os.getpid()}@{DOMAIN}"
        answers = []
        for _ in range(6):
            p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
            p.stls(context=tls_context())
            p.user(user)
            try:
                p.pass_("not the password")
            except poplib.error_proto as e:
                answers.append(e.args[0])
            try:
                p.quit()
            except (poplib.error_proto, OSError):
                pass
        self.assertTrue(all(a.startswith(b"-ERR") for a in answers))
        self.assertIn(b"[AUTH]", answers[0])
        # Throttled: a temporary refusal with a clear text, not [LOGIN-DELAY] (RFC 2449 8.1.2
        # means logging in too often) nor [AUTH] (the password may well be right).
        self.assertTrue(any(a.startswith(b"-ERR [SYS/TEMP] too many failed logins") for a in answers),
                        answers)
        self.assertFalse(any(b"[LOGIN-DELAY]" in a for a in answers), answers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
