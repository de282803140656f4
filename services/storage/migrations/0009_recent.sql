-- \Recent (RFC 3501 2.3.2): the highest UID some read-write session of the mailbox has been
-- told of. A SELECT, and a catch-up of a selected mailbox, claim every UID above it up to
-- uidnext - 1 in one UPDATE, so exactly one session sees each message as \Recent. Existing
-- mailboxes start with everything claimed: nothing already there turns \Recent.
ALTER TABLE mailboxes ADD COLUMN recent_uid bigint NOT NULL DEFAULT 0;
UPDATE mailboxes SET recent_uid = uidnext - 1;
