-- Where postmaster@<domain> goes when no account or alias has that address (RFC 5321 4.5.1).
-- NULL: the domain's first account.
ALTER TABLE auth_domains ADD COLUMN postmaster text;
