#!/usr/bin/env python3
"""IMAP end to end: the all-in-one `tern` against a throwaway PostgreSQL; mail arrives over
SMTP (smtplib) and is read and changed with clients we did not write: Python's imaplib and
curl. IDLE is woken by an SMTP delivery through the storage change feed.
"""

import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Server, new_password, self_signed, tls_context

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-imap-cert-")
self_signed(CERT_DIR, "", "imap.e2e.test")
TLS_ENV = {}
for svc in ("SMTP", "IMAP"):
    TLS_ENV[f"TERN_{svc}_TLS_CERT_FILE"] = os.path.join(CERT_DIR, "cert.pem")
    TLS_ENV[f"TERN_{svc}_TLS_KEY_FILE"] = os.path.join(CERT_DIR, "key.pem")
SERVER = Server(smtp=True, imap=True, extra_env=TLS_ENV)

import imaplib  # noqa: E402

DOMAIN = "imap.test"
USERS = [f"{u}@{DOMAIN}" for u in ("ann", "bob", "cat", "dan", "eve", "fay")]
PW = {u: new_password() for u in USERS}
ANN, BOB, CAT, DAN, EVE, FAY = USERS


class ImapE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        SERVER.start()
        SERVER.ctl("domain", "add", DOMAIN, home=CERT_DIR)
        for user, pw in PW.items():
            SERVER.ctl("user", "add", user, "--password-stdin", stdin=pw + "\n", home=CERT_DIR)

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    def deliver(self, to, subject, body):
        msg = f"From: sender@remote.example\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}"
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.sendmail("sender@remote.example", [to], msg.encode())
        return msg.encode()

    def login(self, user):
        m = imaplib.IMAP4("127.0.0.1", SERVER.imap_port, timeout=30)
        m.starttls(ssl_context=tls_context())
        m.login(user, PW[user])
        return m

    def test_plaintext_login_refused_before_starttls(self):
        m = imaplib.IMAP4("127.0.0.1", SERVER.imap_port, timeout=30)
        self.assertIn("LOGINDISABLED", m.capabilities)
        self.assertIn("STARTTLS", m.capabilities)
        self.assertNotIn("AUTH=PLAIN", m.capabilities)
        typ, data = m._simple_command("LOGIN", ANN, PW[ANN])
        self.assertEqual(typ, "NO")
        self.assertIn(b"[PRIVACYREQUIRED]", m.untagged_responses.get("NO", [b""])[0] + b" ".join(data or []))
        m.starttls(ssl_context=tls_context())
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertNotIn("LOGINDISABLED", m.capabilities)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            m.login(ANN, "wrong password")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        m.login(ANN, PW[ANN])
        m.logout()

    def test_implicit_tls_and_authenticate_plain(self):
        m = imaplib.IMAP4_SSL("127.0.0.1", SERVER.imaps_port, ssl_context=tls_context(), timeout=30)
        self.assertNotIn("STARTTLS", m.capabilities)
        typ, _ = m.authenticate("PLAIN", lambda _: f"\0{ANN}\0{PW[ANN]}".encode())
        self.assertEqual(typ, "OK")
        self.assertEqual(m.namespace()[0], "OK")
        m.logout()

    def test_fetch_search_store_expunge(self):
        sent = [self.deliver(BOB, f"hello {i}", f"body {i}\r\n") for i in range(3)]
        m = self.login(BOB)
        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"3"]))
        typ, data = m.fetch("1:*", "(UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
        self.assertEqual(typ, "OK")
        self.assertEqual(len(data), 3)
        self.assertIn(b'"hello 1"', data[1])
        self.assertIn(b'("TEXT" "PLAIN"', data[0])
        typ, data = m.uid("FETCH", "2", "(BODY.PEEK[])")
        self.assertTrue(data[0][1].endswith(sent[1]), "BODY[] is the stored bytes (trace + sent)")
        typ, data = m.fetch("2", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0], "PEEK does not set \\Seen")
        typ, data = m.fetch("1", "(BODY[HEADER.FIELDS (SUBJECT)] BODY[TEXT] BODY[]<0.6>)")
        self.assertEqual(data[0][1], b"Subject: hello 0\r\n\r\n")
        self.assertEqual(data[1][1], b"body 0\r\n")
        self.assertEqual(len(data[2][1]), 6)
        self.assertIn(b"\\Seen", data[3], "a body fetch sets \\Seen and reports it")
        self.assertEqual(m.search(None, "SUBJECT", '"hello 2"'), ("OK", [b"3"]))
        self.assertEqual(m.search(None, "UNSEEN"), ("OK", [b"2 3"]))
        self.assertEqual(m.uid("SEARCH", "SEEN"), ("OK", [b"1"]))
        typ, data = m.store("2", "+FLAGS", "(\\Deleted $Work)")
        self.assertIn(b"\\Deleted", data[0])
        self.assertIn(b"$Work", data[0])
        self.assertEqual(m.expunge(), ("OK", [b"2"]))
        self.assertEqual(m.fetch("2", "(UID)")[1], [b"2 (UID 3)"], "numbers close up after EXPUNGE")
        m.close()
        m.logout()

    def test_big_messages_are_streamed_exactly(self):
        # Over the gateway's 256 KiB whole-read limit and several storage chunks: BODY[],
        # TEXT and partials are streamed from storage into the answer, byte for byte.
        line = "".join(chr(48 + i % 75) for i in range(998)) + "\r\n"
        body = line * 1500  # 1.5 MB
        small = self.deliver(EVE, "small one", "tiny\r\n")
        big = self.deliver(EVE, "big one", body)
        m = self.login(EVE)
        m.select("INBOX")
        typ, data = m.fetch("2", "(RFC822.SIZE BODY.PEEK[] FLAGS)")
        self.assertEqual(typ, "OK")
        stored = data[0][1]
        self.assertTrue(stored.endswith(big))
        self.assertIn(f"RFC822.SIZE {len(stored)}".encode(), data[0][0])
        self.assertIn(b"FLAGS (\\Recent)", data[1], "this first session is told it is new")
        typ, data = m.fetch("2", "(BODY.PEEK[TEXT] BODY.PEEK[]<1000.300000> RFC822.HEADER)")
        self.assertEqual(data[0][1], body.encode())
        self.assertEqual(data[1][1], stored[1000:301000])
        self.assertTrue(data[2][1].endswith(b"Subject: big one\r\n\r\n"))
        typ, data = m.fetch("2", "(BODY.PEEK[]<1600000.10>)")
        self.assertEqual(data[0][1], b"", "a partial past the end is empty")
        typ, data = m.fetch("1:2", "(BODY[])")
        self.assertTrue(data[0][1].endswith(small))
        self.assertEqual(data[2][1], stored)
        self.assertIn(b"\\Seen", data[3], "the streamed body fetch set \\Seen")
        self.assertEqual(m.noop()[0], "OK", "the session goes on after streamed literals")
        m.logout()

    def test_recent_goes_to_one_session(self):
        # RFC 3501 2.3.2: EXAMINE and STATUS see \Recent without taking it; the first SELECT
        # takes it, so a second session (another connection) is told of none.
        for i in range(2):
            self.deliver(FAY, f"recent {i}", "new\r\n")
        a, b = self.login(FAY), self.login(FAY)
        self.assertEqual(a.status("INBOX", "(RECENT)")[1], [b"INBOX (RECENT 2)"])
        a.select("INBOX", readonly=True)
        self.assertEqual(a.response("RECENT"), ("RECENT", [b"2"]))
        b.select("INBOX")
        self.assertEqual(b.response("RECENT"), ("RECENT", [b"2"]))
        self.assertEqual(b.search(None, "RECENT"), ("OK", [b"1 2"]))
        a.close()
        a.select("INBOX")
        self.assertEqual(a.response("RECENT"), ("RECENT", [b"0"]))
        self.assertEqual(a.search(None, "NEW"), ("OK", [b""]))
        self.deliver(FAY, "recent 2", "newer\r\n")
        a.noop()  # the first read-write session to hear of it takes it
        self.assertEqual(a.search(None, "RECENT"), ("OK", [b"3"]))
        b.noop()
        self.assertEqual(b.search(None, "RECENT"), ("OK", [b"1 2"]))
        for m in (a, b):
            m.logout()

    def test_mailboxes_append_copy_move(self):
        self.deliver(CAT, "to move", "x\r\n")
        self.deliver(CAT, "to copy", "y\r\n")
        m = self.login(CAT)
        typ, data = m.list()
        self.assertTrue(any(b"\\Sent" in l and b"Sent" in l for l in data), data)
        self.assertEqual(m.create("Projekte/Büro".encode("utf-7").replace(b"+", b"&").decode())[0], "OK")
        typ, data = m.create("Work")
        self.assertEqual(typ, "OK")
        typ, data = m.create("Work")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[ALREADYEXISTS]", data[0])
        typ, data = m.append("Work", "(\\Seen)", None, b"Subject: appended\r\n\r\nhi\r\n")
        self.assertEqual(typ, "OK")
        self.assertIn(b"[APPENDUID ", data[0])
        typ, data = m.append("Nowhere", None, None, b"Subject: x\r\n\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        m.select("INBOX")
        typ, data = m.copy("2", "Work")
        self.assertIn(b"[COPYUID ", data[0])
        typ, data = m.uid("MOVE", "1", "Work")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.status("Work", "(MESSAGES UNSEEN)"),
                         ("OK", [b"Work (MESSAGES 3 UNSEEN 2)"]))
        self.assertEqual(m.status("INBOX", "(MESSAGES)"), ("OK", [b"INBOX (MESSAGES 1)"]))
        self.assertEqual(m.rename("Work", "Done")[0], "OK")
        self.assertEqual(m.subscribe("Done")[0], "OK")
        self.assertTrue(any(b"Done" in l for l in m.lsub()[1]))
        typ, data = m.select("Work")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])
        self.assertEqual(m.delete("Done")[0], "OK")
        m.logout()

    def test_idle_woken_by_smtp_delivery(self):
        self.deliver(DAN, "first", "1\r\n")
        m = self.login(DAN)
        m.select("INBOX")
        tag = m._new_tag()
        m.send(tag + b" IDLE\r\n")
        self.assertTrue(m.readline().startswith(b"+"))
        self.deliver(DAN, "second", "2\r\n")
        m.sock.settimeout(10)
        seen = []
        while not any(l.endswith(b"EXISTS\r\n") for l in seen):
            seen.append(m.readline())
        self.assertIn(b"* 2 EXISTS\r\n", seen)
        m.send(b"DONE\r\n")
        line = m.readline()
        while not line.startswith(tag):
            line = m.readline()
        self.assertIn(b"OK", line)
        self.assertEqual(m.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1],
                         b"Subject: second\r\n\r\n")
        m.logout()

    def test_bad_input_gets_protocol_errors(self):
        with socket.create_connection(("127.0.0.1", SERVER.imap_port), timeout=10) as s:
            f = s.makefile("rb")
            self.assertTrue(f.readline().startswith(b"* OK"))
            s.sendall(b"a1 SELECT INBOX\r\na2 FETCH 1:* (FLAGS\r\na3 NOSUCH\r\n"
                      b"a4 APPEND INBOX {999999999999}\r\na5 NOOP\r\n")
            lines = [f.readline() for _ in range(5)]
            self.assertTrue(lines[0].startswith(b"a1 BAD"), lines)
            self.assertTrue(lines[1].startswith(b"a2 BAD"), lines)
            self.assertTrue(lines[2].startswith(b"a3 BAD"), lines)
            self.assertTrue(lines[3].startswith(b"a4 NO [TOOBIG]"), lines)
            self.assertTrue(lines[4].startswith(b"a5 OK"), lines)

    def test_curl_imaps(self):
        body = self.deliver(ANN, "for curl", "curl body\r\n")
        r = subprocess.run(["curl", "-sS", "-k", "--max-time", "30",
                            f"imaps://127.0.0.1:{SERVER.imaps_port}/INBOX;UID=1",
                            "-u", f"{ANN}:{PW[ANN]}"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith(body), r.stdout[-200:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
