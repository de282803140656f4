-- Whether the sender was told a job is delayed (one warning per job; RFC 3464 Action: delayed).
ALTER TABLE outbound_queue ADD COLUMN warned boolean NOT NULL DEFAULT false;
