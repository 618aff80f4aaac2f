-- The whole answer of a turn as the API returned it, so a retried request (same request_id) gets the same answer
-- back instead of running the pipeline — and proposing its changes — a second time.
ALTER TABLE messages ADD COLUMN answer jsonb;
