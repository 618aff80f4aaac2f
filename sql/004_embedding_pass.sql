-- Progressive embeddings. A new item first gets a quick "headline" vector (subject/title and sender only, ~16
-- tokens: ~250 items/s on 2 cores), so a fresh mailbox is semantically searchable within seconds; a second pass
-- replaces it with the full vector (headline + opening text, EMBEDDING_MAX_TOKENS), which is ~10x slower.
-- embedding_pass: NULL = no vector yet, 1 = headline vector, 2 = full vector.

ALTER TABLE gmail_cache ADD COLUMN embedding_pass smallint CHECK (embedding_pass IN (1, 2));
ALTER TABLE gcal_cache ADD COLUMN embedding_pass smallint CHECK (embedding_pass IN (1, 2));
ALTER TABLE gdrive_cache ADD COLUMN embedding_pass smallint CHECK (embedding_pass IN (1, 2));

UPDATE gmail_cache SET embedding_pass = 2 WHERE embedding IS NOT NULL;
UPDATE gcal_cache SET embedding_pass = 2 WHERE embedding IS NOT NULL;
UPDATE gdrive_cache SET embedding_pass = 2 WHERE embedding IS NOT NULL;

-- The second pass's work queue.
CREATE INDEX gmail_cache_headline_only ON gmail_cache (user_id) WHERE embedding_pass = 1;
CREATE INDEX gcal_cache_headline_only ON gcal_cache (user_id) WHERE embedding_pass = 1;
CREATE INDEX gdrive_cache_headline_only ON gdrive_cache (user_id) WHERE embedding_pass = 1;
