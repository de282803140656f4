"""Shared harness of the end-to-end tests: a throwaway PostgreSQL (scripts/pg.sh) and the
all-in-one `tern` configured only by environment variables on free loopback ports.

Environment: TERN_BUILD_DIR (default <source>/build), TERN_SOURCE_DIR (default: this checkout).
Python 3 standard library only.
"""

import os
import secrets
import shutil
import signal
import ssl
import random
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SOURCE = os.environ.get("TERN_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TERN_BUILD_DIR") or os.path.join(SOURCE, "build")
TERN = os.path.join(BUILD, "services", "tern", "tern")
TERNCTL = os.path.join(BUILD, "services", "ternctl", "ternctl")
PG_SH = os.path.join(SOURCE, "scripts", "pg.sh")
READY_TIMEOUT_S = 60
SIX_MAILBOXES = {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"}


def free_port():
    """A free port below Linux's ephemeral range (32768-60999), so that no client connection
    of a test running in parallel can take it as its local port before the server binds it."""
    for _ in range(1000):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32000")


def self_signed(directory, name, cn):
    """Writes <name>-key.pem / <name>-cert.pem (or key.pem / cert.pem when name is "") for
    CN=cn in `directory`; returns (cert_path, key_path)."""
    prefix = f"{name}-" if name else ""
    key = os.path.join(directory, f"{prefix}key.pem")
    cert = os.path.join(directory, f"{prefix}cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={cn}", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def internal_ca(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, for the
    internal gRPC services over (m)TLS; returns the paths by name (ca, server_cert,
    server_key, client_cert, client_key)."""
    def run(*args):
        subprocess.run(args, check=True, capture_output=True, cwd=directory)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=tern-e2e-ca", "-keyout", "ca.key", "-out", "ca.pem")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for who, ext in (("server", ["-extfile", "san.ext"]), ("client", [])):
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=tern-{who}",
            "-keyout", f"{who}.key", "-out", f"{who}.csr")
        run("openssl", "x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", f"{who}.pem", *ext)
    path = lambda name: os.path.join(directory, name)
    return {"ca": path("ca.pem"), "server_cert": path("server.pem"),
            "server_key": path("server.key"), "client_cert": path("client.pem"),
            "client_key": path("client.key")}


def tls_context():
    """A client context that accepts the tests' self-signed certificates."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def new_password():
    return "pw-" + secrets.token_hex(12)


class Server:
    """PostgreSQL (pg.sh) plus the all-in-one `tern`; stop() is safe to call twice."""

    def __init__(self, smtp=False, pop3=False, imap=False, extra_env=None):
        # smtp: also run the SMTP listeners (MX, submission, and submissions when extra_env
        # gives a certificate) on free ports; pop3: the POP3 listeners likewise.
        self.smtp = smtp
        self.pop3 = pop3
        self.imap = imap
        self.extra_env = extra_env or {}
        self.pg_dir = None
        self.log_dir = None
        self.proc = None
        self.log_path = None

    def start(self):
        for path in (TERN, TERNCTL):
            if not os.access(path, os.X_OK):
                raise RuntimeError(f"{path} not built (./scripts/build.sh)")
        self.pg_dir = tempfile.mkdtemp(prefix="/tmp/tern-e2e-")
        self.log_dir = tempfile.mkdtemp(prefix="/tmp/tern-e2e-log-")
        self.log_path = os.path.join(self.log_dir, "tern.log")
        subprocess.run([PG_SH, "init", self.pg_dir], check=True)
        subprocess.run([PG_SH, "start", self.pg_dir], check=True,
                       env=dict(os.environ, TERN_PG_OPTS="-c fsync=off"))
        url = subprocess.run([PG_SH, "url", self.pg_dir], check=True, capture_output=True,
                             text=True).stdout.strip()
        self.url = url

        self.token = secrets.token_hex(24)
        self.storage_grpc, self.storage_http = free_port(), free_port()
        self.auth_grpc, self.auth_http = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({
            "TERN_STORAGE_DATABASE_URL": url,
            "TERN_AUTH_DATABASE_URL": url,
            "TERN_STORAGE_GRPC_LISTEN": f"127.0.0.1:{self.storage_grpc}",
            "TERN_STORAGE_HTTP_LISTEN": f"127.0.0.1:{self.storage_http}",
            "TERN_AUTH_GRPC_LISTEN": f"127.0.0.1:{self.auth_grpc}",
            "TERN_AUTH_HTTP_LISTEN": f"127.0.0.1:{self.auth_http}",
            "TERN_AUTH_ADMIN_TOKEN": self.token,
            "TERN_AUTH_STORAGE_TARGET": f"127.0.0.1:{self.storage_grpc}",
            "TERN_AUTH_APOP_KEY": secrets.token_hex(32),
            "TERN_AUTH_ARGON2_M_COST_KIB": "1024",
            "TERN_AUTH_ARGON2_T_COST": "1",
            # The most talkative level: the log must still hold no password.
            "TERN_STORAGE_LOG_LEVEL": "debug",
            "TERN_AUTH_LOG_LEVEL": "debug",
        })
        self.smtp_http = free_port()
        self.mx, self.submission, self.submissions = free_port(), free_port(), free_port()
        env.update({
            "TERN_SMTP_MX_LISTEN": f"127.0.0.1:{self.mx}" if self.smtp else "",
            "TERN_SMTP_SUBMISSION_LISTEN": f"127.0.0.1:{self.submission}" if self.smtp else "",
            "TERN_SMTP_SUBMISSIONS_LISTEN": f"127.0.0.1:{self.submissions}" if self.smtp else "",
            "TERN_SMTP_HTTP_LISTEN": f"127.0.0.1:{self.smtp_http}",
        })
        self.pop3_http, self.pop3_port, self.pop3s_port = free_port(), free_port(), free_port()
        env.update({
            "TERN_POP3_POP3_LISTEN": f"127.0.0.1:{self.pop3_port}" if self.pop3 else "",
            "TERN_POP3_POP3S_LISTEN": f"127.0.0.1:{self.pop3s_port}" if self.pop3 else "",
            "TERN_POP3_HTTP_LISTEN": f"127.0.0.1:{self.pop3_http}",
        })
        self.imap_http, self.imap_port, self.imaps_port = free_port(), free_port(), free_port()
        env.update({
            "TERN_IMAP_IMAP_LISTEN": f"127.0.0.1:{self.imap_port}" if self.imap else "",
            "TERN_IMAP_IMAPS_LISTEN": f"127.0.0.1:{self.imaps_port}" if self.imap else "",
            "TERN_IMAP_HTTP_LISTEN": f"127.0.0.1:{self.imap_http}",
        })
        # Outbound delivery workers only where a test asks for them (extra_env): elsewhere they
        # would try to deliver test jobs through the real DNS.
        env["TERN_SMTP_OUTBOUND_ENABLED"] = "false"
        env.update(self.extra_env)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([TERN], env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_S
        ports = [self.auth_http, self.storage_http]
        # The gateways are ready once they can reach auth and storage.
        ports += [self.smtp_http] if self.smtp else []
        ports += [self.pop3_http] if self.pop3 else []
        ports += [self.imap_http] if self.imap else []
        pending = {f"http://127.0.0.1:{p}/readyz" for p in ports}
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tern exited with {self.proc.returncode} before ready:\n"
                                   + self.log())
            if time.monotonic() > deadline:
                raise RuntimeError(f"tern not ready after {READY_TIMEOUT_S}s ({pending}):\n"
                                   + self.log())
            for url in list(pending):
                try:
                    with urllib.request.urlopen(url, timeout=2) as r:
                        if r.status == 200:
                            pending.discard(url)
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.2)

    def ctl(self, *args, stdin="", home=None):
        """Runs ternctl against this server; its stdout, or AssertionError with the log."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({"TERN_AUTH_ADDR": f"127.0.0.1:{self.auth_grpc}",
                    "TERN_STORAGE_ADDR": f"127.0.0.1:{self.storage_grpc}",
                    "TERN_ADMIN_TOKEN": self.token, "HOME": home or self.log_dir})
        r = subprocess.run([TERNCTL, *args], input=stdin, capture_output=True, text=True,
                           env=env, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"ternctl {args}: {r.stderr}\n{self.log()[-3000:]}")
        return r.stdout

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.pg_dir is not None:
            subprocess.run([PG_SH, "remove", self.pg_dir], check=False)
            self.pg_dir = None

    def cleanup(self):
        self.stop()
        if self.log_dir is not None:
            shutil.rmtree(self.log_dir, ignore_errors=True)
            self.log_dir = None


