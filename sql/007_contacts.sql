-- Contacts: who a person's index has seen, kept by the sync, so that resolving a name ("sarah", "kofi",
-- "chenwei.zhang") is one index lookup instead of aggregating every sender, recipient, attendee and file
-- owner of the whole index on each call (~20 ms at the demo's size, growing with the mailbox).
--
-- Three parts:
--   contact_occurrences  a view: each sender / recipient / attendee / owner / shared-with entry of one item,
--                        as the index holds it (the single definition of "seen"; the sync and the backfill
--                        below both read it).
--   contact_items        what each item contributed, (item, address, display name) → times. The sync replaces
--                        an item's rows whenever it writes or deletes the item, so re-syncing the same item
--                        never counts it twice, and a deleted item takes its contribution away.
--   contacts             per (address, display name) the sum over items, with the lookup keys: every tail of
--                        the lower-cased name that starts a word, every tail of the address's local part that
--                        starts after . _ -, and the whole address. `keys @@ 'term':*` (a prefix match, GIN) finds
--                        the rows whose name or address a name can mean; people.resolve then applies the exact
--                        word-boundary rules to those few rows.
-- Every row is keyed by user_id first; like the caches, the tables are hash-partitioned by user_id.

CREATE VIEW contact_occurrences AS
SELECT c.user_id, 'gmail'::text AS service, c.email_id AS item_id, e.email, e.name
  FROM gmail_cache c
 CROSS JOIN LATERAL (SELECT c.sender, c.sender_name
                     UNION ALL
                     SELECT r->>'email', r->>'name' FROM jsonb_array_elements(c.recipients) r) e (email, name)
UNION ALL
SELECT c.user_id, 'calendar', c.event_id, a->>'email', a->>'name'
  FROM gcal_cache c, jsonb_array_elements(c.attendees) a
UNION ALL
SELECT c.user_id, 'drive', c.file_id, p->>'email', p->>'name'
  FROM gdrive_cache c, jsonb_array_elements(c.owners || c.shared_with) p;

-- Keys of one (address, display name). A display name is read up to its first 500 characters and a key is at
-- most 200 characters long (a tsvector lexeme must stay under 2 KB); people.resolve cuts its term the same way,
-- so a longer term still finds its candidates and the exact rules decide.
CREATE FUNCTION contact_keys(email text, name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(k, 200))), ''::tsvector)
      FROM (SELECT email AS k
            UNION ALL
            SELECT substr(n, i)
              FROM (SELECT lower(name) AS n) s, generate_series(1, length(n)) i
             WHERE i = 1 OR substr(n, i - 1, 1) ~ '[^[:alnum:]]'
            UNION ALL
            SELECT substr(l, i)
              FROM (SELECT split_part(email, '@', 1) AS l) s, generate_series(1, length(l)) i
             WHERE i = 1 OR substr(l, i - 1, 1) IN ('.', '_', '-')) keys
     WHERE k <> ''
);

CREATE TABLE contact_items (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service  text NOT NULL,      -- 'gmail', 'calendar' or 'drive'
    item_id  text NOT NULL,      -- the Google id of the message, event or file
    email    text NOT NULL,      -- lower case
    name     text NOT NULL,      -- display name as seen ('' when none), first 500 characters
    n        integer NOT NULL    -- how many times this item names them (sender and cc'd: twice)
) PARTITION BY HASH (user_id);
CREATE INDEX contact_items_item ON contact_items (user_id, service, item_id);

CREATE TABLE contacts (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email    text NOT NULL,
    name     text NOT NULL,
    seen     integer NOT NULL,   -- sum of contact_items.n
    keys     tsvector GENERATED ALWAYS AS (contact_keys(email, name)) STORED,
    PRIMARY KEY (user_id, email, name)
) PARTITION BY HASH (user_id);
-- fastupdate off: a name looked up right after a sync must not scan a pending list of new entries, and new
-- people are few once the first sync is done.
CREATE INDEX contacts_keys ON contacts USING gin (user_id, keys) WITH (fastupdate = off);

DO $$
BEGIN
    FOR i IN 0..15 LOOP
        EXECUTE format('CREATE TABLE contact_items_p%s PARTITION OF contact_items '
                       'FOR VALUES WITH (MODULUS 16, REMAINDER %s)', lpad(i::text, 2, '0'), i);
        -- Room on each page, so that a count going up is a HOT update that leaves the indexes alone.
        EXECUTE format('CREATE TABLE contacts_p%s PARTITION OF contacts '
                       'FOR VALUES WITH (MODULUS 16, REMAINDER %s) WITH (fillfactor = 70)', lpad(i::text, 2, '0'), i);
    END LOOP;
END
$$;

-- What the index already holds.
INSERT INTO contact_items (user_id, service, item_id, email, name, n)
SELECT user_id, service, item_id, lower(email), left(coalesce(name, ''), 500), count(*)
  FROM contact_occurrences
 WHERE coalesce(email, '') <> ''
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO contacts (user_id, email, name, seen)
SELECT user_id, email, name, sum(n)
  FROM contact_items
 GROUP BY 1, 2, 3;
