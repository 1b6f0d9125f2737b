-- What `docket deliver` looks for at each round without reading the delivered deliveries or ranking every pending
-- one: an endpoint's pending deliveries in ledger order, and the pending ones by when they come due.

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, position) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_coming_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
