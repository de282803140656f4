-- Tern storage schema, version 1. Applied once, under an advisory lock, by the storage service.

CREATE TABLE mail_accounts (
  id             bigserial PRIMARY KEY,
  name           text NOT NULL UNIQUE,
  quota_bytes    bigint NOT NULL DEFAULT 0,     -- 0 = unlimited
  quota_messages bigint NOT NULL DEFAULT 0,     -- 0 = unlimited
  used_bytes     bigint NOT NULL DEFAULT 0,
  used_messages  bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- UIDVALIDITY values: unique, increasing, seeded from the clock so a rebuilt database does not
-- hand out values a client has already cached.
CREATE SEQUENCE uidvalidity_seq MAXVALUE 4294967295;
SELECT setval('uidvalidity_seq', extract(epoch FROM now())::bigint);

CREATE TABLE mailboxes (
  id            bigserial PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
  name          text NOT NULL,
  uidvalidity   bigint NOT NULL,
  uidnext       bigint NOT NULL DEFAULT 1,
  highestmodseq bigint NOT NULL DEFAULT 1,
  special_use   smallint NOT NULL DEFAULT 0,
  noselect      boolean NOT NULL DEFAULT false,
  UNIQUE (account_id, name)
);

CREATE TABLE subscriptions (
  account_id bigint NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
  name       text NOT NULL,
  PRIMARY KEY (account_id, name)
);

-- Message content, stored once whatever the number of recipients. What IMAP needs was parsed
-- once at delivery: ENVELOPE and BODYSTRUCTURE (serialized tern.storage.v1 protos) and the
-- fields SEARCH reads.
CREATE TABLE messages (
  id             bigserial PRIMARY KEY,
  sha256         bytea NOT NULL UNIQUE,
  size           bigint NOT NULL,
  header_size    bigint NOT NULL,
  content        bytea NOT NULL,
  envelope       bytea NOT NULL,
  body_structure bytea NOT NULL,
  sent_date      timestamptz,
  header_text    text NOT NULL,
  -- NULL when the decoded text is the raw body itself (a plain UTF-8 text message): search then
  -- reads the content, which is stored once.
  body_text      text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- Uncompressed out-of-line storage: substring() on a byte range reads only those chunks.
ALTER TABLE messages ALTER COLUMN content SET STORAGE EXTERNAL;
-- Search text is compressed with lz4, several times cheaper than the default pglz.
ALTER TABLE messages ALTER COLUMN header_text SET COMPRESSION lz4;
ALTER TABLE messages ALTER COLUMN body_text SET COMPRESSION lz4;

CREATE TABLE mailbox_messages (
  mailbox_id    bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid           bigint NOT NULL,
  message_id    bigint NOT NULL REFERENCES messages(id),
  flags         integer NOT NULL DEFAULT 0,
  keywords      text[] NOT NULL DEFAULT '{}',
  internal_date timestamptz NOT NULL,
  modseq        bigint NOT NULL,
  size          bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX mailbox_messages_modseq ON mailbox_messages (mailbox_id, modseq);
CREATE INDEX mailbox_messages_message ON mailbox_messages (message_id);

CREATE TABLE expunged (
  mailbox_id bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid        bigint NOT NULL,
  modseq     bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX expunged_modseq ON expunged (mailbox_id, modseq);

-- Returns the id of an account's mail store, creating it with the special-use mailboxes
-- (subscribed) on first use.
CREATE FUNCTION tern_account_id(p_name text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  SELECT id INTO v_id FROM mail_accounts WHERE name = p_name;
  IF FOUND THEN
    RETURN v_id;
  END IF;
  INSERT INTO mail_accounts (name) VALUES (p_name) ON CONFLICT (name) DO NOTHING RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    SELECT id INTO v_id FROM mail_accounts WHERE name = p_name;
    RETURN v_id;
  END IF;
  INSERT INTO mailboxes (account_id, name, uidvalidity, special_use)
  SELECT v_id, d.name, nextval('uidvalidity_seq'), d.su
    FROM (VALUES ('INBOX', 0, 1), ('Sent', 1, 2), ('Drafts', 2, 3), ('Trash', 3, 4),
                 ('Junk', 4, 5), ('Archive', 5, 6)) AS d(name, su, ord)
   ORDER BY d.ord;
  INSERT INTO subscriptions (account_id, name)
  SELECT v_id, n FROM unnest(ARRAY['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) AS n;
  RETURN v_id;
END $$;

-- Stores one message for every account in p_accounts (already sorted, so concurrent deliveries
-- lock mailboxes in one order) into mailbox p_mailbox, as ONE statement: all copies or none.
-- Errors: TQ001 over quota (message names the account), TN001 no such mailbox.
-- No NOTIFY here: the service announces changes after commit (see ChangePublisher).
CREATE FUNCTION tern_deliver(
    p_accounts text[], p_mailbox text, p_sha256 bytea, p_size bigint, p_header_size bigint,
    p_content bytea, p_envelope bytea, p_body_structure bytea, p_sent_date timestamptz,
    p_header_text text, p_body_text text, p_internal_date timestamptz, p_flags integer,
    p_keywords text[])
RETURNS TABLE (message_id bigint, account text, account_id bigint, uidvalidity bigint, uid bigint,
               modseq bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_msg bigint;
  v_account text;
  v_account_id bigint;
  v_box record;
BEGIN
  INSERT INTO messages (sha256, size, header_size, content, envelope, body_structure, sent_date,
                        header_text, body_text)
  VALUES (p_sha256, p_size, p_header_size, p_content, p_envelope, p_body_structure, p_sent_date,
          p_header_text, p_body_text)
  ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256
  RETURNING id INTO v_msg;

  FOREACH v_account IN ARRAY p_accounts LOOP
    v_account_id := tern_account_id(v_account);
    UPDATE mail_accounts a
       SET used_bytes = a.used_bytes + p_size, used_messages = a.used_messages + 1
     WHERE a.id = v_account_id
       AND (a.quota_bytes = 0 OR a.used_bytes + p_size <= a.quota_bytes)
       AND (a.quota_messages = 0 OR a.used_messages + 1 <= a.quota_messages);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'quota exceeded for %', v_account USING ERRCODE = 'TQ001';
    END IF;
    UPDATE mailboxes b
       SET uidnext = b.uidnext + 1, highestmodseq = b.highestmodseq + 1
     WHERE b.account_id = v_account_id AND b.name = p_mailbox AND NOT b.noselect
    RETURNING b.id, b.uidvalidity, b.uidnext - 1 AS uid, b.highestmodseq, b.uidnext
      INTO v_box;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no mailbox % for %', p_mailbox, v_account USING ERRCODE = 'TN001';
    END IF;
    INSERT INTO mailbox_messages (mailbox_id, uid, message_id, flags, keywords, internal_date,
                                  modseq, size)
    VALUES (v_box.id, v_box.uid, v_msg, p_flags, p_keywords, p_internal_date, v_box.highestmodseq,
            p_size);
    message_id := v_msg;
    account := v_account;
    account_id := v_account_id;
    uidvalidity := v_box.uidvalidity;
    uid := v_box.uid;
    modseq := v_box.highestmodseq;
    RETURN NEXT;
  END LOOP;
END $$;
