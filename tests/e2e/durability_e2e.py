#!/usr/bin/env python3
"""Durability end to end (DESIGN.md invariant 1): a stream of SMTP deliveries while the storage
process is killed with SIGKILL and restarted. Every message that received 250 must be in
PostgreSQL afterwards; messages refused with 4xx may or may not be (the sender retries them).

Runs the three services as separate processes (tern-storage, tern-auth, tern-smtp) so that
storage can die alone, against a throwaway PostgreSQL. Python 3 standard library only.
"""

import os
import re
import secrets
import shutil
import signal
import smtplib
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import BUILD, PG_SH, TERNCTL, free_port, new_password

STORAGE = os.path.join(BUILD, "services", "storage", "tern-storage")
AUTH = os.path.join(BUILD, "services", "auth", "tern-auth")
SMTP = os.path.join(BUILD, "services", "smtp-ingress", "tern-smtp")
ACCOUNT = "dur@dur.test"
TOTAL_ACKED = 300          # stop after this many 250s (at least this many must be stored)
KILL_AFTER_ACKED = 80      # kill storage once this many were acknowledged
DEADLINE_S = 120


class Procs:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="/tmp/tern-dur-")
        # Its own folder: pg.sh hands it to the postgres user, who cannot enter self.dir.
        self.pg = tempfile.mkdtemp(prefix="/tmp/tern-dur-pg-")
        self.procs = {}
        self.ports = {k: free_port() for k in ("sg", "sh", "ag", "ah", "mx", "mh")}
        self.token = secrets.token_hex(16)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        p = self.ports
        env.update({
            "TERN_STORAGE_DATABASE_URL": self.url, "TERN_AUTH_DATABASE_URL": self.url,
            "TERN_STORAGE_GRPC_LISTEN": f"127.0.0.1:{p['sg']}",
            "TERN_STORAGE_HTTP_LISTEN": f"127.0.0.1:{p['sh']}",
            "TERN_AUTH_GRPC_LISTEN": f"127.0.0.1:{p['ag']}",
            "TERN_AUTH_HTTP_LISTEN": f"127.0.0.1:{p['ah']}",
            "TERN_AUTH_STORAGE_TARGET": f"127.0.0.1:{p['sg']}",
            "TERN_AUTH_ADMIN_TOKEN": self.token,
            "TERN_AUTH_ARGON2_M_COST_KIB": "1024", "TERN_AUTH_ARGON2_T_COST": "1",
            "TERN_SMTP_MX_LISTEN": f"127.0.0.1:{p['mx']}",
            "TERN_SMTP_SUBMISSION_LISTEN": "", "TERN_SMTP_SUBMISSIONS_LISTEN": "",
            "TERN_SMTP_HTTP_LISTEN": f"127.0.0.1:{p['mh']}",
            "TERN_SMTP_AUTH_TARGET": f"127.0.0.1:{p['ag']}",
            "TERN_SMTP_STORAGE_TARGET": f"127.0.0.1:{p['sg']}",
        })
        return env

    def start(self, name, binary, ready_port=None):
        with open(os.path.join(self.dir, f"{name}.log"), "ab") as log:
            self.procs[name] = subprocess.Popen([binary], env=self.env(), stdout=log,
                                                stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)
        if ready_port:
            deadline = time.monotonic() + 30
            while True:
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name)}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{ready_port}/readyz", timeout=2):
                        return
                except (urllib.error.URLError, OSError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} not ready:\n{self.log(name)}")
                    time.sleep(0.1)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def up(self):
        subprocess.run([PG_SH, "init", self.pg], check=True)
        subprocess.run([PG_SH, "start", self.pg], check=True)
        self.url = subprocess.run([PG_SH, "url", self.pg], check=True, capture_output=True,
                                  text=True).stdout.strip()
        self.start("storage", STORAGE, self.ports["sh"])
        self.start("auth", AUTH, self.ports["ah"])
        self.start("smtp", SMTP, self.ports["mh"])

    def down(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run([PG_SH, "remove", self.pg], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class DurabilityE2E(unittest.TestCase):
    def setUp(self):
        self.p = Procs()
        self.addCleanup(self.p.down)
        self.p.up()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({"TERN_AUTH_ADDR": f"127.0.0.1:{self.p.ports['ag']}",
                    "TERN_STORAGE_ADDR": f"127.0.0.1:{self.p.ports['sg']}",
                    "TERN_ADMIN_TOKEN": self.p.token, "HOME": self.p.dir})
        for args, stdin in ((["domain", "add", "dur.test"], ""),
                            (["user", "add", ACCOUNT, "--password-stdin"], new_password() + "\n")):
            r = subprocess.run([TERNCTL, *args], input=stdin, capture_output=True, text=True,
                               env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)

    def stored_numbers(self):
        sql = ("SELECT m.header_text FROM mailbox_messages mm JOIN mailboxes b ON b.id = "
               "mm.mailbox_id JOIN mail_accounts a ON a.id = b.account_id JOIN messages m ON "
               f"m.id = mm.message_id WHERE a.name = '{ACCOUNT}'")
        out = subprocess.run(["psql", self.p.url, "-tAc", sql], check=True, capture_output=True,
                             text=True).stdout
        return {int(n) for n in re.findall(r"Subject: durability-(\d+)", out)}

    def test_every_acknowledged_message_survives_a_storage_kill(self):
        acked, refused = [], []
        killed = threading.Event()
        deadline = time.monotonic() + DEADLINE_S

        def kill_and_restart():
            os.kill(self.p.procs["storage"].pid, signal.SIGKILL)
            self.p.procs["storage"].wait()
            time.sleep(0.5)  # a real outage, not an instant restart
            self.p.start("storage", STORAGE, self.p.ports["sh"])
            killed.set()

        killer = None
        n = 0
        client = None
        while len(acked) < TOTAL_ACKED and time.monotonic() < deadline:
            n += 1
            msg = (f"From: load@remote.example\r\nTo: {ACCOUNT}\r\nSubject: durability-{n}\r\n"
                   f"\r\nmessage {n}\r\n")
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", self.p.ports["mx"], timeout=30)
                client.sendmail("load@remote.example", [ACCOUNT], msg)
                acked.append(n)
            except smtplib.SMTPResponseException as e:
                self.assertLess(e.smtp_code, 500, f"a storage outage must give 4xx, got {e}")
                refused.append(n)
                time.sleep(0.05)
            except (smtplib.SMTPException, OSError):
                refused.append(n)
                client = None
            if killer is None and len(acked) >= KILL_AFTER_ACKED:
                killer = threading.Thread(target=kill_and_restart)
                killer.start()
        if killer:
            killer.join()
        if client is not None:
            try:
                client.quit()
            except smtplib.SMTPException:
                pass
        self.assertTrue(killed.is_set(), "storage was killed and restarted")
        self.assertGreaterEqual(len(acked), TOTAL_ACKED,
                                f"deliveries resumed after the restart:\n{self.p.log('smtp')}")
        self.assertTrue(refused, "some deliveries met the outage (4xx)")
        stored = self.stored_numbers()
        lost = sorted(set(acked) - stored)
        self.assertEqual(lost, [], f"acknowledged but not stored: {lost[:20]}")
        print(f"\nacked {len(acked)}, refused {len(refused)} during the outage, "
              f"stored {len(stored)}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
