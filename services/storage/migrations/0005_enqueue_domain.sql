-- The destination domain is what follows the LAST "@" (a quoted local part may hold one:
-- "a@b"@example.org); 0003 took the text after the first.
CREATE OR REPLACE FUNCTION tern_enqueue(p_message_id bigint, p_sender text, p_recipients text[])
RETURNS SETOF bigint
LANGUAGE sql AS $$
  INSERT INTO outbound_queue (message_id, sender, domain, recipients)
  SELECT p_message_id, p_sender, d, array_agg(r ORDER BY r)
    FROM (SELECT r, lower(substring(r FROM '[^@]*$')) AS d FROM unnest(p_recipients) AS r) x
   GROUP BY d
  RETURNING id;
$$;
