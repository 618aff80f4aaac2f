-- Full text per person. A GIN index on search_vector alone returns every matching row of the partition (about a
-- dozen users share one at 200 users), and the heap then throws away the other users' rows one by one: at 1M rows
-- a common word cost ~100 ms. With user_id in the same GIN index (btree_gin, a trusted extension) the index
-- intersects the user's posting list with the word's, and only this person's matches reach the heap.
CREATE EXTENSION IF NOT EXISTS btree_gin;

DROP INDEX gmail_cache_fts;
DROP INDEX gcal_cache_fts;
DROP INDEX gdrive_cache_fts;
CREATE INDEX gmail_cache_fts ON gmail_cache USING gin (user_id, search_vector);
CREATE INDEX gcal_cache_fts ON gcal_cache USING gin (user_id, search_vector);
CREATE INDEX gdrive_cache_fts ON gdrive_cache USING gin (user_id, search_vector);

-- Keep the tsvector in the row. A row already carries a 1.5 KB PLAIN vector, so TOAST moved the ~1 KB tsvector
-- out of line, and ranking then paid a TOAST lookup per matching row: 10 ms for 1,000 matches of one word, 3 ms
-- when MAIN keeps it inline (bench/search.py, docs/BENCHMARKS.md). Rows written before this keep their layout
-- until they are next updated.
ALTER TABLE gmail_cache ALTER COLUMN search_vector SET STORAGE MAIN;
ALTER TABLE gcal_cache ALTER COLUMN search_vector SET STORAGE MAIN;
ALTER TABLE gdrive_cache ALTER COLUMN search_vector SET STORAGE MAIN;
