#!/usr/bin/env python3
"""ternctl end to end: every command against the all-in-one `tern` server and a throwaway
PostgreSQL, through the real binary, as an operator would run it.

Starts its own cluster with scripts/pg.sh in a fresh /tmp/tern-e2e-* folder and `tern` configured
only by environment variables (free loopback ports, a random admin token, fast Argon2 settings),
waits for both /readyz endpoints, then drives ternctl with subprocess. Checks output (tables and
--json), exit codes, one-line error messages, that bad input changes nothing, and that passwords
never appear in any process's argv or in the server's log. The server and the cluster are always
removed at the end.

Environment: TERN_BUILD_DIR (default <source>/build), TERN_SOURCE_DIR (default: this checkout).
Python 3 standard library only.
"""

import atexit
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import SIX_MAILBOXES, TERNCTL, Server, free_port, new_password

SERVER = Server()
atexit.register(SERVER.cleanup)


class TernctlE2E(unittest.TestCase):
    # Every password and secret sent; none may appear in the server log.
    secrets_used = []

    @classmethod
    def setUpClass(cls):
        SERVER.start()
        cls.home = tempfile.mkdtemp(prefix="/tmp/tern-e2e-home-")  # no ~/.config/tern here

    @classmethod
    def tearDownClass(cls):
        SERVER.stop()
        shutil.rmtree(cls.home, ignore_errors=True)
        log = SERVER.log()
        leaked = [s for s in cls.secrets_used if s in log]
        if leaked:
            raise AssertionError(f"{len(leaked)} password(s)/secret(s) found in the server log")

    # --- helpers -------------------------------------------------------------------------

    def env(self, **overrides):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({
            "HOME": self.home,
            "TERN_AUTH_ADDR": f"127.0.0.1:{SERVER.auth_grpc}",
            "TERN_STORAGE_ADDR": f"127.0.0.1:{SERVER.storage_grpc}",
            "TERN_ADMIN_TOKEN": SERVER.token,
        })
        for k, v in overrides.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run_ctl(self, *args, stdin="", env=None):
        """Runs ternctl; stdin is a pipe (never a terminal)."""
        return subprocess.run([TERNCTL, *args], input=stdin, capture_output=True, text=True,
                              env=env or self.env(), timeout=60)

    def ok(self, *args, stdin=""):
        r = self.run_ctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, 0, f"ternctl {' '.join(args)}: {r.stderr}")
        # Configuration warnings (a domain's postmaster) may come; nothing else on stderr.
        other = [l for l in r.stderr.splitlines() if not l.startswith("ternctl: warning: ")]
        self.assertEqual(other, [])
        return r.stdout

    def ok_json(self, *args, stdin=""):
        return json.loads(self.ok("--json", *args, stdin=stdin))

    def fails(self, code, contains, *args, stdin="", env=None):
        """Asserts exit `code` and exactly one 'ternctl: ...' line on stderr containing
        `contains`, nothing on stdout."""
        r = self.run_ctl(*args, stdin=stdin, env=env)
        self.assertEqual(r.returncode, code, f"ternctl {' '.join(args)}: {r.stdout}{r.stderr}")
        self.assertTrue(r.stderr.startswith("ternctl: "), r.stderr)
        self.assertTrue(r.stderr.endswith("\n") and r.stderr.count("\n") == 1, repr(r.stderr))
        self.assertIn(contains, r.stderr)
        self.assertEqual(r.stdout, "")
        return r.stderr

    def add_domain(self, name):
        self.ok("domain", "add", name)

    def add_user(self, address, *extra):
        password = new_password()
        self.secrets_used.append(password)
        self.ok("user", "add", address, *extra, stdin=password + "\n")
        return password

    def domains(self):
        return [d["name"] for d in self.ok_json("domain", "list")["domains"]]

    def accounts(self):
        return [a["address"] for a in self.ok_json("user", "list")["accounts"]]

    # --- tests ---------------------------------------------------------------------------

    def test_status(self):
        out = self.ok("status")
        self.assertRegex(out, r"(?m)^SERVICE\s+ADDRESS\s+STATE")
        self.assertRegex(out, rf"(?m)^auth\s+127\.0\.0\.1:{SERVER.auth_grpc}\s+serving$")
        self.assertRegex(out, rf"(?m)^storage\s+127\.0\.0\.1:{SERVER.storage_grpc}\s+serving$")
        doc = self.ok_json("status")
        self.assertTrue(doc["ok"])
        self.assertEqual({s["name"]: s["state"] for s in doc["services"]},
                         {"auth": "serving", "storage": "serving"})

        closed = f"127.0.0.1:{free_port()}"
        r = self.run_ctl("--json", "--storage", closed, "status")
        self.assertEqual(r.returncode, 3)
        doc = json.loads(r.stdout)
        self.assertFalse(doc["ok"])
        states = {s["name"]: s for s in doc["services"]}
        self.assertEqual(states["auth"]["state"], "serving")
        self.assertEqual(states["storage"]["state"], "unreachable")
        self.assertEqual(states["storage"]["address"], closed)

    def test_domains(self):
        out = self.ok("domain", "add", "dom.example")
        self.assertRegex(out, r"(?m)^DOMAIN\s+ACCOUNTS\s+ALIASES\s+POSTMASTER\s+CREATED$")
        self.assertRegex(out, r"(?m)^dom\.example\s+0\s+0\s+-\s+\d{4}-\d\d-\d\dT")
        self.assertIn("dom.example", self.domains())
        table = self.ok("domain", "list")
        self.assertRegex(table, r"(?m)^dom\.example\s+0\s+0\s")

        self.fails(1, "domain exists: dom.example", "domain", "add", "dom.example")
        self.assertEqual(self.domains().count("dom.example"), 1)
        before = self.domains()
        self.fails(1, "invalid domain", "domain", "add", "bad domain!")
        self.assertEqual(self.domains(), before)

        # A domain with an account cannot go.
        self.add_user("someone@dom.example")
        self.fails(1, "dom.example", "domain", "remove", "dom.example")
        self.assertIn("dom.example", self.domains())
        [entry] = [d for d in self.ok_json("domain", "list")["domains"] if d["name"] == "dom.example"]
        self.assertEqual(entry["accounts"], 1)
        self.ok("user", "remove", "someone@dom.example")

        doc = self.ok_json("domain", "remove", "dom.example")
        self.assertEqual(doc, {"domain": "dom.example", "removed": True})
        self.assertNotIn("dom.example", self.domains())
        self.fails(1, "no such domain: dom.example", "domain", "remove", "dom.example")

    def test_domain_postmaster(self):
        # RFC 5321 4.5.1: postmaster@ of each domain reaches a person, and ternctl says who.
        self.add_domain("pm.example")
        r = self.run_ctl("domain", "list")
        self.assertIn("ternctl: warning: postmaster@pm.example reaches nobody", r.stderr)
        self.add_user("first@pm.example")
        self.add_user("ops@pm.example")
        r = self.run_ctl("domain", "list")
        self.assertRegex(r.stdout, r"(?m)^pm\.example\s.*first@pm\.example \(first account\)")
        self.assertIn("postmaster@pm.example has no account, alias or target", r.stderr)
        self.assertIn("postmaster@pm.example", self.run_ctl("status").stderr)

        self.fails(1, "reaches no enabled account", "domain", "postmaster", "pm.example",
                   "nobody@pm.example")
        doc = self.ok_json("domain", "postmaster", "pm.example", "ops@pm.example")
        self.assertEqual(doc["postmaster"], "ops@pm.example")
        self.assertEqual(doc["postmaster_reaches"], ["ops@pm.example"])
        self.assertNotIn("pm.example", self.run_ctl("domain", "list").stderr)
        self.fails(2, "an address or --clear", "domain", "postmaster", "pm.example")
        doc = self.ok_json("domain", "postmaster", "pm.example", "--clear")
        self.assertIsNone(doc["postmaster"])
        self.assertEqual(doc["postmaster_reaches"], ["first@pm.example"])

        doc = self.ok_json("domain", "add", "pm2.example", "--postmaster", "ops@pm.example")
        self.assertEqual(doc["postmaster_reaches"], ["ops@pm.example"])
        self.ok("domain", "remove", "pm2.example")
        self.ok("user", "remove", "first@pm.example")
        self.ok("user", "remove", "ops@pm.example")
        self.ok("domain", "remove", "pm.example")

    def test_users(self):
        self.add_domain("users.example")
        # The password goes through stdin; while ternctl waits for it, no argv anywhere holds it.
        password = new_password()
        self.secrets_used.append(password)
        # Popen returns once the child has exec()ed, so its argv is already visible.
        proc = subprocess.Popen([TERNCTL, "--json", "user", "add", "alice@users.example"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env())
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        self.assertIn("alice@users.example", ps)  # the ps listing did see ternctl
        self.assertNotIn(password, ps)
        with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
            self.assertNotIn(password.encode(), f.read())
        out, err = proc.communicate(password + "\n", timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        account = json.loads(out)
        self.assertEqual(account["address"], "alice@users.example")
        self.assertTrue(account["enabled"])
        self.assertFalse(account["apop_enabled"])
        self.assertEqual(account["quota_bytes"], 0)

        self.add_user("bob@users.example", "--quota-bytes", "1M", "--quota-messages", "50")
        listed = self.ok_json("user", "list", "--domain", "users.example")["accounts"]
        self.assertEqual(sorted(a["address"] for a in listed),
                         ["alice@users.example", "bob@users.example"])
        [bob] = [a for a in listed if a["address"] == "bob@users.example"]
        self.assertEqual((bob["quota_bytes"], bob["quota_messages"]), (1048576, 50))
        table = self.ok("user", "list", "--domain", "users.example")
        self.assertRegex(table, r"(?m)^ADDRESS\s+ENABLED\s+APOP\s+QUOTA BYTES\s+QUOTA MESSAGES")
        self.assertRegex(table, r"(?m)^bob@users\.example\s+yes\s+no\s+1048576\s+50\s")

        # show: the account from auth, mailboxes and usage from storage.
        shown = self.ok_json("user", "show", "alice@users.example")
        self.assertEqual(shown["account"]["address"], "alice@users.example")
        self.assertEqual({m["name"] for m in shown["mailboxes"]}, SIX_MAILBOXES)
        self.assertEqual(shown["quota"]["messages_used"], 0)
        self.assertEqual(shown["quota"]["bytes_used"], 0)
        text = self.ok("user", "show", "alice@users.example")
        self.assertRegex(text, r"(?m)^address:\s+alice@users\.example$")
        self.assertRegex(text, r"(?m)^MAILBOX\s+MESSAGES\s+UNSEEN\s+SIZE\s+SPECIAL-USE$")

        # passwd
        new = new_password()
        self.secrets_used.append(new)
        self.assertEqual(self.ok("user", "passwd", "alice@users.example", stdin=new + "\n"),
                         "password changed for alice@users.example\n")

        # disable / enable
        self.assertFalse(self.ok_json("user", "disable", "alice@users.example")["enabled"])
        self.assertFalse(self.ok_json("user", "show", "alice@users.example")["account"]["enabled"])
        self.assertRegex(self.ok("user", "list", "--domain", "users.example"),
                         r"(?m)^alice@users\.example\s+no\s")
        self.assertTrue(self.ok_json("user", "enable", "alice@users.example")["enabled"])

        # quota: auth stores it and forwards it to storage.
        acct = self.ok_json("user", "quota", "alice@users.example", "--bytes", "10M",
                            "--messages", "100")
        self.assertEqual((acct["quota_bytes"], acct["quota_messages"]), (10485760, 100))
        quota = self.ok_json("user", "show", "alice@users.example")["quota"]
        self.assertEqual((quota["bytes_limit"], quota["messages_limit"]), (10485760, 100))
        acct = self.ok_json("user", "quota", "alice@users.example", "--messages", "unlimited")
        self.assertEqual((acct["quota_bytes"], acct["quota_messages"]), (10485760, 0))
        self.fails(2, "give --bytes, --messages or both", "user", "quota", "alice@users.example")

        # remove
        self.assertEqual(self.ok("user", "remove", "bob@users.example"),
                         "removed account bob@users.example\n")
        self.assertNotIn("bob@users.example", self.accounts())
        self.fails(1, "no such account: bob@users.example", "user", "show", "bob@users.example")
        self.fails(1, "no such account", "user", "remove", "bob@users.example")

    def test_mailbox_list(self):
        self.add_domain("boxes.example")
        self.add_user("carol@boxes.example")
        doc = self.ok_json("mailbox", "list", "carol@boxes.example")
        boxes = {m["name"]: m for m in doc["mailboxes"]}
        self.assertEqual(set(boxes), SIX_MAILBOXES)
        self.assertEqual(boxes["INBOX"]["special_use"], None)
        for name in ("Sent", "Drafts", "Trash", "Junk", "Archive"):
            self.assertEqual(boxes[name]["special_use"], "\\" + name)
        for m in boxes.values():
            self.assertEqual((m["messages"], m["unseen"], m["size"]), (0, 0, 0))
        table = self.ok("mailbox", "list", "carol@boxes.example")
        self.assertRegex(table, r"(?m)^MAILBOX\s+MESSAGES\s+UNSEEN\s+SIZE\s+SPECIAL-USE$")
        self.assertRegex(table, r"(?m)^INBOX\s+0\s+0\s+0$")
        self.assertRegex(table, r"(?m)^Sent\s+0\s+0\s+0\s+\\Sent$")
        self.fails(1, "no such account: ghost@boxes.example", "mailbox", "list",
                   "ghost@boxes.example")

    def test_apop(self):
        self.add_domain("apop.example")
        self.add_user("dave@apop.example")
        secret = "apop-" + secrets.token_hex(8)
        self.secrets_used.append(secret)
        self.assertTrue(self.ok_json("user", "apop", "enable", "dave@apop.example",
                                     stdin=secret + "\n")["apop_enabled"])
        self.assertTrue(self.ok_json("user", "show", "dave@apop.example")["account"]["apop_enabled"])
        self.fails(2, "empty APOP secret", "user", "apop", "enable", "dave@apop.example",
                   stdin="\n")
        self.assertTrue(self.ok_json("user", "show", "dave@apop.example")["account"]["apop_enabled"])
        self.assertFalse(self.ok_json("user", "apop", "disable", "dave@apop.example")["apop_enabled"])
        self.assertFalse(self.ok_json("user", "show", "dave@apop.example")["account"]["apop_enabled"])

    def test_aliases(self):
        self.add_domain("alias.example")
        self.add_user("erin@alias.example")
        out = self.ok("alias", "add", "sales@alias.example", "erin@alias.example",
                      "outside@elsewhere.example")
        self.assertRegex(out, r"(?m)^ALIAS\s+TARGETS\s+CREATED$")
        self.assertIn("erin@alias.example, outside@elsewhere.example", out)
        doc = self.ok_json("alias", "add", "@alias.example", "erin@alias.example")
        self.assertEqual(doc["address"], "@alias.example")
        self.assertEqual(doc["targets"], ["erin@alias.example"])

        aliases = {a["address"]: a["targets"]
                   for a in self.ok_json("alias", "list", "--domain", "alias.example")["aliases"]}
        self.assertEqual(aliases, {
            "sales@alias.example": ["erin@alias.example", "outside@elsewhere.example"],
            "@alias.example": ["erin@alias.example"],
        })
        self.assertIn("sales@alias.example", self.ok("alias", "list"))

        self.fails(1, "alias exists", "alias", "add", "sales@alias.example", "erin@alias.example")
        self.fails(1, "an account has that address", "alias", "add", "erin@alias.example",
                   "x@elsewhere.example")
        self.fails(2, "targets is required", "alias", "add", "lonely@alias.example")

        self.assertEqual(self.ok("alias", "remove", "sales@alias.example"),
                         "removed alias sales@alias.example\n")
        remaining = [a["address"] for a in
                     self.ok_json("alias", "list", "--domain", "alias.example")["aliases"]]
        self.assertEqual(remaining, ["@alias.example"])
        self.fails(1, "no such alias: sales@alias.example", "alias", "remove",
                   "sales@alias.example")

    def test_audit(self):
        self.add_domain("audit.example")
        entries = self.ok_json("audit", "--limit", "20")["entries"]
        self.assertGreater(len(entries), 0)
        self.assertLessEqual(len(entries), 20)
        for e in entries:
            self.assertEqual(set(e), {"at", "actor", "action", "target", "detail"})
        self.assertTrue(any("audit.example" in e["target"] + e["detail"] for e in entries),
                        entries)
        self.assertLessEqual(len(self.ok_json("audit", "--limit", "1")["entries"]), 1)
        self.assertRegex(self.ok("audit"), r"^TIME\s+ACTOR\s+ACTION\s+TARGET\s+DETAIL\n")
        everything = self.ok("--json", "audit", "--limit", "1000")
        for s in self.secrets_used:
            self.assertNotIn(s, everything)

    def test_bad_input_changes_nothing(self):
        self.add_domain("bad.example")
        self.add_user("frank@bad.example")
        accounts, domains = self.accounts(), self.domains()

        pw = new_password() + "\n"
        self.fails(1, "invalid address", "user", "add", "not-an-address", stdin=pw)
        self.fails(1, "account exists: frank@bad.example", "user", "add", "frank@bad.example",
                   stdin=pw)
        self.fails(1, "no such domain: nowhere.example", "user", "add", "gina@nowhere.example",
                   stdin=pw)
        self.fails(2, "empty password", "user", "add", "gina@bad.example", stdin="\n")
        self.fails(2, "no password on standard input", "user", "add", "gina@bad.example", stdin="")
        self.fails(1, "password shorter than", "user", "add", "gina@bad.example", stdin="short\n")
        self.fails(2, "empty password", "user", "passwd", "frank@bad.example", stdin="\n")

        # A password on the command line is refused and not echoed.
        leaked = "argv-" + secrets.token_hex(8)
        err = self.fails(2, "never taken from the command line", "user", "add",
                         "gina@bad.example", leaked)
        self.assertNotIn(leaked, err)
        err = self.fails(2, "never taken from the command line", "user", "add",
                         "gina@bad.example", f"--password={leaked}")
        self.assertNotIn(leaked, err)

        # Token problems.
        self.fails(3, "admin token rejected", "domain", "add", "wrongtoken.example",
                   env=self.env(TERN_ADMIN_TOKEN="not-the-token"))
        self.fails(3, "admin token rejected", "user", "add", "gina@bad.example", stdin=pw,
                   env=self.env(TERN_ADMIN_TOKEN="not-the-token"))
        self.fails(2, "no admin token", "domain", "list", env=self.env(TERN_ADMIN_TOKEN=None))
        token_file = os.path.join(self.home, "token")
        with open(token_file, "w") as f:
            f.write(SERVER.token + "\n")
        self.assertIn("bad.example", self.ok("--token-file", token_file, "domain", "list"))
        r = self.run_ctl("domain", "list",
                         env=self.env(TERN_ADMIN_TOKEN=None, TERN_ADMIN_TOKEN_FILE=token_file))
        self.assertEqual(r.returncode, 0, r.stderr)

        # Unreachable endpoints.
        closed = f"127.0.0.1:{free_port()}"
        self.fails(3, f"cannot reach auth at {closed}", "domain", "add", "unreached.example",
                   env=self.env(TERN_AUTH_ADDR=closed))
        self.fails(3, f"cannot reach auth at {closed}", "--auth", closed, "user", "list")
        self.fails(3, f"cannot reach storage at {closed}", "--storage", closed, "mailbox", "list",
                   "frank@bad.example")

        # Usage errors.
        self.fails(2, "expected a command after 'ternctl user'", "user")
        self.fails(2, "address is required", "user", "add")
        self.fails(2, "--timeout", "--timeout", "never", "domain", "list")

        self.assertEqual(self.accounts(), accounts)
        self.assertEqual(self.domains(), domains)

    def test_config_file(self):
        cfg = os.path.join(self.home, "ternctl.yaml")
        token_file = os.path.join(self.home, "cfg-token")
        with open(token_file, "w") as f:
            f.write(SERVER.token)
        with open(cfg, "w") as f:
            f.write(f"auth: 127.0.0.1:{SERVER.auth_grpc}\n"
                    f"storage: 127.0.0.1:{SERVER.storage_grpc}\n"
                    f"token_file: {token_file}\n")
        bare = self.env(TERN_AUTH_ADDR=None, TERN_STORAGE_ADDR=None, TERN_ADMIN_TOKEN=None)
        r = self.run_ctl("--config", cfg, "--json", "domain", "list", env=bare)
        self.assertEqual(r.returncode, 0, r.stderr)
        json.loads(r.stdout)
        # The environment beats the file.
        closed = f"127.0.0.1:{free_port()}"
        self.fails(3, f"cannot reach auth at {closed}", "--config", cfg, "domain", "list",
                   env=dict(bare, TERN_AUTH_ADDR=closed))
        with open(cfg, "a") as f:
            f.write("tokn_file: typo\n")
        self.fails(2, "tokn_file", "--config", cfg, "domain", "list", env=bare)

    def test_help_everywhere(self):
        commands = [
            [], ["domain"], ["domain", "add"], ["domain", "list"], ["domain", "remove"],
            ["user"], ["user", "add"], ["user", "list"], ["user", "show"], ["user", "passwd"],
            ["user", "disable"], ["user", "enable"], ["user", "remove"], ["user", "quota"],
            ["user", "apop"], ["user", "apop", "enable"], ["user", "apop", "disable"],
            ["alias"], ["alias", "add"], ["alias", "list"], ["alias", "remove"],
            ["mailbox"], ["mailbox", "list"], ["audit"], ["status"],
        ]
        for cmd in commands:
            r = self.run_ctl(*cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("Usage: ternctl" + "".join(" " + c for c in cmd), r.stdout)
            self.assertIn("Exit codes", r.stdout)


def main():
    program = unittest.main(exit=False, verbosity=2)
    ok = program.result.wasSuccessful()
    if not ok:
        log = SERVER.log()
        if log:
            sys.stderr.write("---- tern server log (last 200 lines) ----\n")
            sys.stderr.write("".join(log.splitlines(keepends=True)[-200:]))
    SERVER.cleanup()
    sys.exit(0 if ok else 1)


class QueueE2E(unittest.TestCase):
    """ternctl queue ... against jobs in the storage service's outbound queue (set up with SQL:
    the SMTP side that fills it is not built yet)."""

    @classmethod
    def setUpClass(cls):
        SERVER.start()

    @classmethod
    def tearDownClass(cls):
        SERVER.stop()

    def test_queue_commands(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({"TERN_AUTH_ADDR": f"127.0.0.1:{SERVER.auth_grpc}",
                    "TERN_STORAGE_ADDR": f"127.0.0.1:{SERVER.storage_grpc}",
                    "TERN_ADMIN_TOKEN": SERVER.token, "HOME": "/nonexistent"})

        def ctl(*args):
            return subprocess.run([TERNCTL, *args], capture_output=True, text=True, env=env,
                                  timeout=60)

        sql = ("WITH m AS (INSERT INTO messages (sha256, size, header_size, content, envelope, "
               "body_structure, header_text) VALUES (sha256('queue-e2e'::bytea), 5, 0, "
               "'hello'::bytea, ''::bytea, ''::bytea, '') RETURNING id) SELECT tern_enqueue("
               "(SELECT id FROM m), 'me@example.org', ARRAY['x@far.example', 'y@far.example'])")
        job = subprocess.run(["psql", SERVER.url, "-tAc", sql], check=True, capture_output=True,
                             text=True).stdout.strip()
        r = ctl("--json", "queue", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        jobs = {str(j["id"]): j for j in json.loads(r.stdout)["jobs"]}
        self.assertEqual(jobs[job]["recipients"], ["x@far.example", "y@far.example"])
        self.assertEqual(jobs[job]["state"], "queued")
        self.assertEqual(ctl("queue", "hold", job).returncode, 0)
        held = json.loads(ctl("--json", "queue", "list", "--state", "held").stdout)["jobs"]
        self.assertEqual([str(j["id"]) for j in held], [job])
        self.assertEqual(ctl("queue", "release", job).returncode, 0)
        self.assertEqual(ctl("queue", "retry", job).returncode, 0)
        show = json.loads(ctl("--json", "queue", "show", job).stdout)
        self.assertEqual(show["state"], "queued")
        self.assertEqual(ctl("queue", "delete", job).returncode, 0)
        r = ctl("queue", "show", job)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such queued message", r.stderr)
        r = ctl("queue", "delete", "not-a-number")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    main()
