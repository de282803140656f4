#!/usr/bin/env python3
"""The schema migration step the Helm chart runs as a pre-install/pre-upgrade Job:
`tern-storage` and `tern-auth` with migrate_only apply their migrations to a throwaway
PostgreSQL and exit 0 without serving, and run again they find nothing to do.
"""

import os
import subprocess
import tempfile
import unittest

from harness import BUILD, PG_SH

STORAGE = os.path.join(BUILD, "services", "storage", "tern-storage")
AUTH = os.path.join(BUILD, "services", "auth", "tern-auth")


class MigrateE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = tempfile.mkdtemp(prefix="/tmp/tern-e2e-migrate-")
        subprocess.run([PG_SH, "init", cls.pg], check=True)
        subprocess.run([PG_SH, "start", cls.pg], check=True,
                       env=dict(os.environ, TERN_PG_OPTS="-c fsync=off"))
        cls.url = subprocess.run([PG_SH, "url", cls.pg], check=True, capture_output=True,
                                 text=True).stdout.strip()

    @classmethod
    def tearDownClass(cls):
        subprocess.run([PG_SH, "remove", cls.pg], check=False)

    def sql(self, query):
        r = subprocess.run(["psql", self.url, "-Atc", query], capture_output=True, text=True,
                           check=True)
        return r.stdout.strip()

    def migrate(self, binary, prefix):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERN_")}
        env.update({f"TERN_{prefix}_DATABASE_URL": self.url, f"TERN_{prefix}_MIGRATE_ONLY": "true",
                    # Nothing may be listened on: ports that would collide if it served.
                    f"TERN_{prefix}_GRPC_LISTEN": "127.0.0.1:1", f"TERN_{prefix}_HTTP_LISTEN": "127.0.0.1:1"})
        return subprocess.run([binary], env=env, capture_output=True, text=True, timeout=120)

    def test_storage_and_auth_migrate_and_exit(self):
        for binary, prefix, table in ((STORAGE, "STORAGE", "storage_schema_migrations"),
                                      (AUTH, "AUTH", "auth_schema_migrations")):
            first = self.migrate(binary, prefix)
            self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
            applied = self.sql(f"SELECT count(*) FROM {table}")
            self.assertGreater(int(applied), 0, f"{table} is empty")
            again = self.migrate(binary, prefix)
            self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
            self.assertEqual(self.sql(f"SELECT count(*) FROM {table}"), applied,
                             "a second run applies nothing")
        self.assertEqual(self.sql("SELECT count(*) FROM information_schema.columns WHERE "
                                  "table_name = 'mailboxes' AND column_name = 'recent_uid'"), "1",
                         "the newest storage migration is in")


if __name__ == "__main__":
    unittest.main(verbosity=2)
