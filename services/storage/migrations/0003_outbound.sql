-- The outbound queue: mail for other domains, written in the same transaction as the local
-- copies (so 250 means queued durably), one row per destination domain, claimed by delivery
-- workers with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE outbound_queue (
  id              bigserial PRIMARY KEY,
  message_id      bigint NOT NULL REFERENCES messages(id),
  sender          text NOT NULL,               -- envelope sender; '' for bounces
  domain          text NOT NULL,
  recipients      text[] NOT NULL,             -- still to deliver
  state           text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'held', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner     text,
  lease_until     timestamptz,
  last_error      text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_queue_due ON outbound_queue (next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbound_queue_message ON outbound_queue (message_id);

-- Queues `p_recipients` (addresses of other domains) for message p_message_id, one row per
-- domain, in the caller's transaction.
CREATE FUNCTION tern_enqueue(p_message_id bigint, p_sender text, p_recipients text[])
RETURNS SETOF bigint
LANGUAGE sql AS $$
  INSERT INTO outbound_queue (message_id, sender, domain, recipients)
  SELECT p_message_id, p_sender, d, array_agg(r ORDER BY r)
    FROM (SELECT r, lower(split_part(r, '@', 2)) AS d FROM unnest(p_recipients) AS r) x
   GROUP BY d
  RETURNING id;
$$;
