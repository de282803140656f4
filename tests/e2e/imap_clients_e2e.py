#!/usr/bin/env python3
"""IMAP with the clients people sync with: mbsync (isync) and offlineimap3 syncing a mailbox
both ways with a local Maildir, byte for byte, and fetchmail over IMAP; and IDLE across two
imap-gateway processes (the all-in-one `tern`, and a second `tern-imap` on the same storage),
woken by an SMTP delivery and by a flag change and an expunge made through the other process.
Mail arrives over SMTP: multipart with an attachment, 8-bit, RFC 2047 subjects, a forwarded
message/rfc822.
"""

import glob
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BUILD, Server, free_port, internal_ca, new_password

CERT_DIR = tempfile.mkdtemp(prefix="/tmp/tern-e2e-imapc-")
CA = internal_ca(CERT_DIR)  # a server certificate for 127.0.0.1 and localhost, and its CA
TLS_ENV = {}
for svc in ("SMTP", "IMAP"):
    TLS_ENV[f"TERN_{svc}_TLS_CERT_FILE"] = CA["server_cert"]
    TLS_ENV[f"TERN_{svc}_TLS_KEY_FILE"] = CA["server_key"]
SERVER = Server(smtp=True, imap=True, extra_env=TLS_ENV)
TERN_IMAP = os.path.join(BUILD, "services", "imap-gateway", "tern-imap")

DOMAIN = "clients.test"
USERS = [f"{u}@{DOMAIN}" for u in ("mia", "oli", "fay", "ida")]
PW = {u: new_password() for u in USERS}
MIA, OLI, FAY, IDA = USERS

MULTIPART = (
    "From: Zoë Sender <sender@remote.example>\r\n"
    "To: {to}\r\n"
    "Subject: =?UTF-8?B?UmFwcG9ydCDDqXTDqQ==?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Voilà le rapport de l'été.\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: inner@remote.example\r\n"
    "Subject: forwarded\r\n"
    "\r\n"
    "the inner message\r\n"
    "--b1--\r\n")


def plain(to, subject, body):
    return (f"From: sender@remote.example\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}")


class ImapClientsE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        SERVER.start()
        SERVER.ctl("domain", "add", DOMAIN, home=CERT_DIR)
        for user, pw in PW.items():
            SERVER.ctl("user", "add", user, "--password-stdin", stdin=pw + "\n", home=CERT_DIR)
        cls.second = None

    @classmethod
    def tearDownClass(cls):
        if cls.second is not None and cls.second.poll() is None:
            cls.second.terminate()
            cls.second.wait(timeout=30)
        SERVER.cleanup()
        shutil.rmtree(CERT_DIR, ignore_errors=True)

    def deliver(self, to, message):
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.sendmail("sender@remote.example", [to], message.encode())

    def login(self, user, port=None):
        import ssl
        ctx = ssl.create_default_context(cafile=CA["ca"])
        m = imaplib.IMAP4_SSL("127.0.0.1", port or SERVER.imaps_port, ssl_context=ctx,
                              timeout=30)
        m.login(user, PW[user])
        return m

    def server_messages(self, user, mailbox="INBOX"):
        """{bytes of each message} and {uid: flags} as the server holds them."""
        m = self.login(user)
        m.select(mailbox, readonly=True)
        typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        self.assertEqual(typ, "OK")
        bodies, flags = [], {}
        for item in data:
            if isinstance(item, tuple):
                bodies.append(item[1])
                flags[len(bodies)] = item[0]
        m.logout()
        return sorted(bodies), flags

    @staticmethod
    def without_tuid(messages):
        """mbsync adds an X-TUID header line to each message it propagates (to find it again
        if its state is lost); without that line the bytes must be the same."""
        return sorted(re.sub(rb"(?m)^X-TUID: [^\r\n]*\r\n", b"", m, count=1) for m in messages)

    @staticmethod
    def maildir_messages(path):
        files = glob.glob(os.path.join(path, "cur", "*")) + glob.glob(os.path.join(path, "new", "*"))
        out = []
        for f in files:
            with open(f, "rb") as fh:
                data = fh.read()
            # A Maildir keeps LF line ends (both clients convert on the way in and out); apart
            # from that the file is the stored message byte for byte.
            assert b"\r" not in data, f
            out.append(data.replace(b"\n", b"\r\n"))
        return sorted(out), files

    def mbsync(self, rc):
        r = subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "HOME": CERT_DIR})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_mbsync_syncs_both_ways_byte_identical(self):
        self.deliver(MIA, MULTIPART.format(to=MIA))
        self.deliver(MIA, plain(MIA, "second", "plain text\r\n"))
        self.deliver(MIA, plain(MIA, "=?ISO-8859-1?Q?caf=E9?=", "caf\u00e9 \u00e0 8 bits\r\n"))
        local = os.path.join(CERT_DIR, "mbsync-mail")
        os.makedirs(local)
        rc = os.path.join(CERT_DIR, "mbsyncrc")
        with open(rc, "w") as f:
            f.write(f"IMAPAccount tern\nHost localhost\nPort {SERVER.imaps_port}\n"
                    f"User {MIA}\nPass {PW[MIA]}\nSSLType IMAPS\nCertificateFile {CA['ca']}\n"
                    f"AuthMechs PLAIN\n\n"
                    f"IMAPStore remote\nAccount tern\n\n"
                    f"MaildirStore local\nPath {local}/\nInbox {local}/INBOX\n\n"
                    f"Channel sync\nFar :remote:\nNear :local:\nPatterns INBOX\n"
                    f"Create Both\nExpunge Both\nSync All\nSyncState *\n")
        self.mbsync(rc)
        inbox = os.path.join(local, "INBOX")
        got, files = self.maildir_messages(inbox)
        want, _ = self.server_messages(MIA)
        self.assertEqual(len(want), 3)
        self.assertEqual(self.without_tuid(got), want, "the Maildir holds the stored bytes")

        # Near to far: a new local message, a local \Seen; far to near: \Flagged.
        new = plain(MIA, "written locally", "from the Maildir\r\n").encode()
        with open(os.path.join(inbox, "new", "1700000000.local.host"), "wb") as f:
            f.write(new.replace(b"\r\n", b"\n"))
        first = sorted(files)[0]
        os.rename(first, first.split(":2,")[0] + ":2,S")
        m = self.login(MIA)
        m.select("INBOX")
        typ, _ = m.store("2", "+FLAGS", "(\\Flagged)")
        self.assertEqual(typ, "OK")
        m.logout()
        self.mbsync(rc)
        want, flags = self.server_messages(MIA)
        self.assertEqual(len(want), 4)
        self.assertIn(new, self.without_tuid(want), "the local message was uploaded as it is")
        self.assertTrue(any(b"\\Seen" in f for f in flags.values()), flags)
        got, files = self.maildir_messages(inbox)
        self.assertEqual(self.without_tuid(got), self.without_tuid(want))
        self.assertTrue(any(os.path.basename(p).split(":2,")[-1].find("F") >= 0 for p in files),
                        files)

        # An expunge on the server removes the local copy.
        m = self.login(MIA)
        m.select("INBOX")
        m.store("1", "+FLAGS", "(\\Deleted)")
        m.expunge()
        m.logout()
        self.mbsync(rc)
        want, _ = self.server_messages(MIA)
        got, _ = self.maildir_messages(inbox)
        self.assertEqual(len(want), 3)
        self.assertEqual(self.without_tuid(got), self.without_tuid(want))

    def offlineimap(self, rc):
        r = subprocess.run(["offlineimap", "-c", rc, "-o", "-u", "basic"], capture_output=True,
                           text=True, timeout=180, env={**os.environ, "HOME": CERT_DIR})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("ERROR", r.stdout + r.stderr)

    def test_offlineimap_syncs_both_ways_byte_identical(self):
        self.deliver(OLI, MULTIPART.format(to=OLI))
        self.deliver(OLI, plain(OLI, "for offlineimap", "hello\r\n"))
        local = os.path.join(CERT_DIR, "oi-mail")
        rc = os.path.join(CERT_DIR, "offlineimaprc")
        with open(rc, "w") as f:
            f.write(f"[general]\naccounts = tern\nmetadata = {CERT_DIR}/oi-meta\n\n"
                    f"[Account tern]\nlocalrepository = local\nremoterepository = remote\n\n"
                    f"[Repository local]\ntype = Maildir\nlocalfolders = {local}\n\n"
                    f"[Repository remote]\ntype = IMAP\nremotehost = localhost\n"
                    f"remoteport = {SERVER.imaps_port}\nremoteuser = {OLI}\n"
                    f"remotepass = {PW[OLI]}\nssl = yes\nsslcacertfile = {CA['ca']}\n"
                    f"folderfilter = lambda f: f == 'INBOX'\n")
        self.offlineimap(rc)
        inbox = os.path.join(local, "INBOX")
        got, files = self.maildir_messages(inbox)
        want, _ = self.server_messages(OLI)
        self.assertEqual(len(want), 2)
        self.assertEqual(got, want)

        new = plain(OLI, "from offlineimap", "uploaded\r\n").encode()
        with open(os.path.join(inbox, "new", "1700000001.local.host"), "wb") as f:
            f.write(new.replace(b"\r\n", b"\n"))
        self.offlineimap(rc)
        want, _ = self.server_messages(OLI)
        self.assertEqual(len(want), 3)
        uploaded = [b for b in want if b"Subject: from offlineimap" in b]
        self.assertEqual(len(uploaded), 1)
        # offlineimap may add its X-OfflineIMAP header on upload; the rest is what it read.
        self.assertTrue(uploaded[0].endswith(b"Subject: from offlineimap\r\n\r\nuploaded\r\n"),
                        uploaded[0])
        got, _ = self.maildir_messages(inbox)
        self.assertEqual(len(got), 3)

    def test_fetchmail_over_imap(self):
        self.deliver(FAY, MULTIPART.format(to=FAY))
        self.deliver(FAY, plain(FAY, "fm imap", "second\r\n"))
        out = os.path.join(CERT_DIR, "fetched-imap")
        rc = os.path.join(CERT_DIR, "fetchmailrc-imap")
        with open(rc, "w") as f:
            f.write(f'set no syslog\n'
                    f'poll localhost service {SERVER.imaps_port} proto imap auth password\n'
                    f'  user "{FAY}" password "{PW[FAY]}"\n'
                    f'  ssl sslcertck sslcertfile "{CA["ca"]}" fetchall nokeep\n'
                    f'  mda "/bin/sh -c \'cat >> {out}\'"\n')
        os.chmod(rc, 0o600)
        r = subprocess.run(["fetchmail", "-f", rc, "--nodetach", "--nosyslog"],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "HOME": CERT_DIR})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out, "rb") as f:
            got = f.read()
        self.assertIn(b"Subject: =?UTF-8?B?UmFwcG9ydCDDqXTDqQ==?=", got)
        self.assertIn("Voilà le rapport de l'été.".encode(), got)
        self.assertIn(b"Subject: fm imap", got)
        m = self.login(FAY)
        typ, data = m.select("INBOX")
        self.assertEqual(data[0], b"0", "nokeep: fetchmail deleted and expunged them")
        m.logout()

    def start_second_gateway(self):
        port, http = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({"TERN_IMAP_IMAP_LISTEN": "", "TERN_IMAP_IMAPS_LISTEN": f"127.0.0.1:{port}",
                    "TERN_IMAP_HTTP_LISTEN": f"127.0.0.1:{http}",
                    "TERN_IMAP_TLS_CERT_FILE": CA["server_cert"],
                    "TERN_IMAP_TLS_KEY_FILE": CA["server_key"],
                    "TERN_IMAP_AUTH_TARGET": f"127.0.0.1:{SERVER.auth_grpc}",
                    "TERN_IMAP_STORAGE_TARGET": f"127.0.0.1:{SERVER.storage_grpc}"})
        with open(os.path.join(CERT_DIR, "tern-imap-2.log"), "wb") as log:
            type(self).second = subprocess.Popen([TERN_IMAP], env=env, stdout=log,
                                                 stderr=subprocess.STDOUT,
                                                 stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            self.assertIsNone(self.second.poll(), "the second tern-imap exited")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return port
            except OSError:
                pass
            self.assertLess(time.monotonic(), deadline, "the second tern-imap is not ready")
            time.sleep(0.2)

    def idle_until(self, m, want):
        """Reads IDLE updates until a line containing `want` (the socket timeout bounds it)."""
        seen = []
        while True:
            line = m.readline()
            self.assertTrue(line, f"connection closed while waiting for {want!r}: {seen}")
            seen.append(line)
            if want in line:
                return seen

    def test_idle_across_two_gateway_processes(self):
        port = self.start_second_gateway()
        self.deliver(IDA, plain(IDA, "one", "first\r\n"))
        idler = self.login(IDA, port)
        typ, data = idler.select("INBOX")
        self.assertEqual(data[0], b"1")
        idler.sock.settimeout(20)
        idler.send(b"i1 IDLE\r\n")
        self.assertTrue(idler.readline().startswith(b"+"))

        # A delivery through smtp-ingress (the first process) reaches the idler on the second.
        self.deliver(IDA, plain(IDA, "two", "second\r\n"))
        self.idle_until(idler, b"* 2 EXISTS")

        # A flag change and an expunge made through the first process's IMAP.
        other = self.login(IDA)
        other.select("INBOX")
        self.assertEqual(other.store("1", "+FLAGS", "(\\Flagged)")[0], "OK")
        self.idle_until(idler, b"FLAGS (\\Flagged")
        other.store("1", "+FLAGS", "(\\Deleted)")
        other.expunge()
        self.idle_until(idler, b"* 1 EXPUNGE")
        other.logout()

        idler.send(b"DONE\r\n")
        self.idle_until(idler, b"i1 OK")
        typ, data = idler.uid("FETCH", "1:*", "(UID)")
        self.assertEqual(len([d for d in data if d]), 1, data)
        idler.logout()


if __name__ == "__main__":
    unittest.main(verbosity=2)
