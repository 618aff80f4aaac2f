-- The local index of each person's Gmail, Calendar and Drive.
--
-- Each table is hash-partitioned by user_id into 16 partitions: one user's search touches one partition (small
-- HNSW graphs, small GIN posting lists), and it is the same key the tables distribute on in Citus later.
-- Each has a generated tsvector (title/subject weighted above body) with a GIN index, an embedding with an HNSW
-- cosine index, and (user_id, <Google id>) as its primary key, which is what sync jobs upsert on.
-- Embeddings are stored PLAIN (inline, uncompressed): a 384-d vector is ~1.5 KB, just over the TOAST threshold,
-- and de-TOASTing every candidate row dominated exact filtered scans in our measurements.

CREATE TABLE gmail_cache (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email_id         text NOT NULL,                 -- Gmail message id
    thread_id        text NOT NULL,
    subject          text NOT NULL DEFAULT '',
    sender           text NOT NULL DEFAULT '',      -- address, lower case
    sender_name      text NOT NULL DEFAULT '',
    recipients       jsonb NOT NULL DEFAULT '[]',   -- [{"email", "name", "kind": "to"|"cc"|"bcc"}]
    body_preview     text NOT NULL DEFAULT '',
    body_full        text NOT NULL DEFAULT '',      -- MIME flattened to plain text, HTML stripped
    labels           text[] NOT NULL DEFAULT '{}',
    is_read          boolean NOT NULL DEFAULT true,
    has_attachments  boolean NOT NULL DEFAULT false,
    attachments      jsonb NOT NULL DEFAULT '[]',   -- [{"filename", "mime_type", "size"}]
    received_at      timestamptz NOT NULL,
    history_id       bigint,
    embedding        vector({{EMBEDDING_DIM}}) STORAGE PLAIN,
    embedded_at      timestamptz,
    synced_at        timestamptz NOT NULL DEFAULT now(),
    search_vector    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', subject), 'A') ||
        setweight(to_tsvector('english', sender_name || ' ' || sender), 'B') ||
        setweight(to_tsvector('english', left(body_full, 100000)), 'C')
    ) STORED,
    PRIMARY KEY (user_id, email_id)
) PARTITION BY HASH (user_id);

CREATE TABLE gcal_cache (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id         text NOT NULL,                 -- Calendar event id
    calendar_id      text NOT NULL DEFAULT 'primary',
    title            text NOT NULL DEFAULT '',
    description      text NOT NULL DEFAULT '',
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL,
    all_day          boolean NOT NULL DEFAULT false,
    attendees        jsonb NOT NULL DEFAULT '[]',   -- [{"email", "name", "response_status", "organizer"}]
    organizer        text NOT NULL DEFAULT '',
    location         text NOT NULL DEFAULT '',
    meeting_link     text NOT NULL DEFAULT '',
    html_link        text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'confirmed',
    recurring_event_id text,
    updated_at       timestamptz,                   -- Google's `updated`
    embedding        vector({{EMBEDDING_DIM}}) STORAGE PLAIN,
    embedded_at      timestamptz,
    synced_at        timestamptz NOT NULL DEFAULT now(),
    search_vector    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', location), 'B') ||
        setweight(to_tsvector('english', left(description, 100000)), 'C')
    ) STORED,
    PRIMARY KEY (user_id, event_id),
    CHECK (end_time >= start_time)
) PARTITION BY HASH (user_id);

CREATE TABLE gdrive_cache (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_id          text NOT NULL,                 -- Drive file id
    name             text NOT NULL DEFAULT '',
    mime_type        text NOT NULL DEFAULT '',
    content_preview  text NOT NULL DEFAULT '',
    content_text     text NOT NULL DEFAULT '',      -- exported text (Docs/Sheets/Slides, PDF text layer)
    parent_folder    text,
    web_link         text NOT NULL DEFAULT '',
    owners           jsonb NOT NULL DEFAULT '[]',   -- [{"email", "name"}]
    shared_with      jsonb NOT NULL DEFAULT '[]',   -- [{"type", "role", "email", "domain"}]
    trashed          boolean NOT NULL DEFAULT false,
    size_bytes       bigint,
    created_at       timestamptz,
    modified_at      timestamptz,
    embedding        vector({{EMBEDDING_DIM}}) STORAGE PLAIN,
    embedded_at      timestamptz,
    synced_at        timestamptz NOT NULL DEFAULT now(),
    search_vector    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A') ||
        setweight(to_tsvector('english', left(content_text, 100000)), 'C')
    ) STORED,
    PRIMARY KEY (user_id, file_id)
) PARTITION BY HASH (user_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['gmail_cache', 'gcal_cache', 'gdrive_cache'] LOOP
        FOR i IN 0..15 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS 16, REMAINDER %s)',
                           t || '_p' || lpad(i::text, 2, '0'), t, i);
        END LOOP;
    END LOOP;
END
$$;

CREATE INDEX gmail_cache_fts ON gmail_cache USING gin (search_vector);
CREATE INDEX gmail_cache_embedding ON gmail_cache USING hnsw (embedding vector_cosine_ops);
CREATE INDEX gmail_cache_recent ON gmail_cache (user_id, received_at DESC);
CREATE INDEX gmail_cache_sender ON gmail_cache (user_id, sender, received_at DESC);
CREATE INDEX gmail_cache_unembedded ON gmail_cache (user_id) WHERE embedding IS NULL;

CREATE INDEX gcal_cache_fts ON gcal_cache USING gin (search_vector);
CREATE INDEX gcal_cache_embedding ON gcal_cache USING hnsw (embedding vector_cosine_ops);
CREATE INDEX gcal_cache_window ON gcal_cache (user_id, start_time);
CREATE INDEX gcal_cache_unembedded ON gcal_cache (user_id) WHERE embedding IS NULL;

CREATE INDEX gdrive_cache_fts ON gdrive_cache USING gin (search_vector);
CREATE INDEX gdrive_cache_embedding ON gdrive_cache USING hnsw (embedding vector_cosine_ops);
CREATE INDEX gdrive_cache_modified ON gdrive_cache (user_id, modified_at DESC);
CREATE INDEX gdrive_cache_unembedded ON gdrive_cache (user_id) WHERE embedding IS NULL;
