-- Tern auth schema, version 1: domains, accounts, aliases, login throttling, admin audit log.

CREATE TABLE auth_domains (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth_accounts (
  id                  bigserial PRIMARY KEY,
  domain_id           bigint NOT NULL REFERENCES auth_domains(id),
  address             text NOT NULL UNIQUE,
  password_hash       text NOT NULL,           -- Argon2id, PHC string format
  enabled             boolean NOT NULL DEFAULT true,
  apop_secret         bytea,                   -- AES-256-GCM: nonce || ciphertext || tag
  quota_bytes         bigint NOT NULL DEFAULT 0,
  quota_messages      bigint NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);

-- address is "local@domain", or "@domain" for a catch-all. Several targets make a list.
CREATE TABLE auth_aliases (
  id         bigserial PRIMARY KEY,
  domain_id  bigint NOT NULL REFERENCES auth_domains(id),
  address    text NOT NULL UNIQUE,
  targets    text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Failed-login counters shared by every auth replica. scope is 'account' or 'ip'.
CREATE TABLE auth_throttle (
  scope         text NOT NULL,
  key           text NOT NULL,
  failures      integer NOT NULL,
  window_start  timestamptz NOT NULL,
  blocked_until timestamptz,
  PRIMARY KEY (scope, key)
);

CREATE TABLE auth_audit_log (
  id     bigserial PRIMARY KEY,
  at     timestamptz NOT NULL DEFAULT now(),
  actor  text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX auth_audit_log_at ON auth_audit_log (at);
