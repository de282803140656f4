#!/usr/bin/env python3
"""The whole suite with its internal gRPC on mutual TLS: storage and auth serve only clients
with a certificate from our CA, and every internal client (auth to storage, both gateways,
ternctl) dials over TLS with one. Mail goes in with smtplib and out with poplib; a client
without a certificate is refused.
"""

import os
import poplib
import shutil
import smtplib
import subprocess
import tempfile
import unittest
from email.message import EmailMessage

from harness import TERNCTL, Server, internal_ca, new_password

CERTS = tempfile.mkdtemp(prefix="/tmp/tern-e2e-mtls-")
PKI = internal_ca(CERTS)

ENV = {}
for service in ("STORAGE", "AUTH"):
    ENV[f"TERN_{service}_TLS_CERT_FILE"] = PKI["server_cert"]
    ENV[f"TERN_{service}_TLS_KEY_FILE"] = PKI["server_key"]
    ENV[f"TERN_{service}_TLS_CLIENT_CA_FILE"] = PKI["ca"]  # mTLS
for client in ("AUTH", "SMTP", "POP3"):
    ENV[f"TERN_{client}_CLIENT_TLS_CA_FILE"] = PKI["ca"]
    ENV[f"TERN_{client}_CLIENT_TLS_CERT_FILE"] = PKI["client_cert"]
    ENV[f"TERN_{client}_CLIENT_TLS_KEY_FILE"] = PKI["client_key"]
ENV["TERN_POP3_AUTH_PLAINTEXT_NETWORKS"] = "127.0.0.0/8"
ENV["TERN_SMTP_HOSTNAME"] = "mx.mtls.test"

SERVER = Server(smtp=True, pop3=True, extra_env=ENV)
HOME = os.path.join(CERTS, "home")
PASSWORD = new_password()


def ternctl_config(home, with_cert):
    os.makedirs(os.path.join(home, ".config", "tern"), exist_ok=True)
    with open(os.path.join(home, ".config", "tern", "ternctl.yaml"), "w") as f:
        f.write(f"tls:\n  ca_file: {PKI['ca']}\n")
        if with_cert:
            f.write(f"  cert_file: {PKI['client_cert']}\n  key_file: {PKI['client_key']}\n")


class InternalTlsE2E(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        SERVER.start()  # waits for every /readyz: the gateways reach auth and storage over mTLS
        ternctl_config(HOME, with_cert=True)
        SERVER.ctl("domain", "add", "mtls.test", home=HOME)
        SERVER.ctl("user", "add", "ann@mtls.test", "--password-stdin", stdin=PASSWORD + "\n",
                   home=HOME)

    @classmethod
    def tearDownClass(cls):
        SERVER.cleanup()
        shutil.rmtree(CERTS, ignore_errors=True)

    def test_mail_flows_through_services_talking_mutual_tls(self):
        m = EmailMessage()
        m["From"] = "sender@remote.example"
        m["To"] = "ann@mtls.test"
        m["Subject"] = "over mTLS"
        m.set_content("internal calls were encrypted and authenticated\n")
        with smtplib.SMTP("127.0.0.1", SERVER.mx, timeout=30) as s:
            s.send_message(m)
        p = poplib.POP3("127.0.0.1", SERVER.pop3_port, timeout=30)
        try:
            p.user("ann@mtls.test")
            p.pass_(PASSWORD)
            count, _ = p.stat()
            self.assertEqual(count, 1)
            lines = p.retr(1)[1]
            self.assertIn(b"Subject: over mTLS", lines)
        finally:
            p.quit()

    def test_a_client_without_a_certificate_is_refused(self):
        bare = os.path.join(CERTS, "bare-home")
        ternctl_config(bare, with_cert=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({"TERN_AUTH_ADDR": f"127.0.0.1:{SERVER.auth_grpc}",
                    "TERN_STORAGE_ADDR": f"127.0.0.1:{SERVER.storage_grpc}",
                    "TERN_ADMIN_TOKEN": SERVER.token, "HOME": bare})
        r = subprocess.run([TERNCTL, "domain", "list"], capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertNotIn("mtls.test", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
