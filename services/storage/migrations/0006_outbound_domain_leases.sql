-- ClaimOutbound counts the leased jobs of a destination domain (per-domain concurrency).
CREATE INDEX outbound_queue_domain_leased ON outbound_queue (domain) WHERE lease_owner IS NOT NULL;
