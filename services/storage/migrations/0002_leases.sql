-- Leases: one holder at a time for a named resource of an account (the POP3 maildrop lock),
-- shared by every replica through PostgreSQL.
CREATE TABLE leases (
  account_id bigint NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
  name       text NOT NULL,
  owner      text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, name)
);
