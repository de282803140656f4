-- Group commit: the deliveries one storage writer gathered (MailStore::WriteMessage), stored by
-- ONE statement, so one commit and one round trip for the lot. Element i of every array is
-- delivery i; p_accounts, p_keywords and p_outbound hold text[] literals ('{}' for none), the
-- dates Unix seconds or NULL. Each delivery runs in its own exception block, which is a
-- savepoint: a refused one (TQ001 over quota, TN001 no such mailbox) is rolled back alone and
-- reported by one row with its SQLSTATE and message, and the others go on. Any other error fails
-- the statement, and with it every delivery of the batch.
-- Rows per delivery, in delivery order: one per local copy (account set), one per outbound job
-- (job_id set), or one refusal (refusal_state set).
CREATE FUNCTION tern_deliver_batch(
    p_accounts text[], p_mailbox text[], p_sha256 bytea[], p_size bigint[], p_header_size bigint[],
    p_content bytea[], p_envelope bytea[], p_body_structure bytea[], p_sent_date bigint[],
    p_header_text text[], p_body_text text[], p_internal_date bigint[], p_flags integer[],
    p_keywords text[], p_sender text[], p_outbound text[])
RETURNS TABLE (delivery integer, message_id bigint, account text, account_id bigint,
               uidvalidity bigint, uid bigint, modseq bigint, job_id bigint,
               refusal_state text, refusal text)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_mailbox, 1), 0) LOOP
    BEGIN
      RETURN QUERY
        SELECT i, d.message_id, d.account, d.account_id, d.uidvalidity, d.uid, d.modseq,
               NULL::bigint, NULL::text, NULL::text
          FROM tern_deliver(p_accounts[i]::text[], p_mailbox[i], p_sha256[i], p_size[i],
                            p_header_size[i], p_content[i], p_envelope[i], p_body_structure[i],
                            to_timestamp(p_sent_date[i]), p_header_text[i], p_body_text[i],
                            coalesce(to_timestamp(p_internal_date[i]), now()), p_flags[i],
                            p_keywords[i]::text[]) d;
      IF p_outbound[i] <> '{}' THEN
        RETURN QUERY
          SELECT i, m.id, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, j,
                 NULL::text, NULL::text
            FROM messages m, tern_enqueue(m.id, p_sender[i], p_outbound[i]::text[]) j
           WHERE m.sha256 = p_sha256[i];
      END IF;
    EXCEPTION WHEN SQLSTATE 'TQ001' OR SQLSTATE 'TN001' THEN
      delivery := i;
      message_id := NULL;
      account := NULL;
      account_id := NULL;
      uidvalidity := NULL;
      uid := NULL;
      modseq := NULL;
      job_id := NULL;
      refusal_state := SQLSTATE;
      refusal := SQLERRM;
      RETURN NEXT;
    END;
  END LOOP;
END $$;
