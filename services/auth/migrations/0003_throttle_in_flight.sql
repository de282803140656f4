-- Login throttling that cannot be raced: an attempt is admitted and counted as in flight in one
-- statement before its password is hashed (pending, expiring at pending_until if a replica died
-- mid-attempt), and the account counters are kept per account and client address
-- (key 'account|address'), so failures from one address never lock the account elsewhere.
ALTER TABLE auth_throttle ADD COLUMN pending integer NOT NULL DEFAULT 0;
ALTER TABLE auth_throttle ADD COLUMN pending_until timestamptz;
DELETE FROM auth_throttle WHERE scope = 'account';

-- Addresses an account logged in from successfully: their attempts for that account are not
-- held back by the address-wide throttle that a stranger on the same address set off.
CREATE TABLE auth_known_clients (
  account      text NOT NULL,
  ip           text NOT NULL,
  last_success timestamptz NOT NULL,
  PRIMARY KEY (account, ip)
);
