-- Users, conversations and their messages.
-- Every user-owned table carries user_id in its primary key, so the tables can later be distributed by user
-- (Citus, co-located on user_id) and every query can filter by it first.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE users (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                   text NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name            text,
    tier                    text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
    timezone                text NOT NULL DEFAULT 'UTC',
    -- OAuth tokens, AES-GCM encrypted by the application (nonce || ciphertext || tag); never stored in clear.
    google_access_token_enc  bytea,
    google_refresh_token_enc bytea,
    token_expires_at        timestamptz,
    granted_scopes          text[] NOT NULL DEFAULT '{}',
    -- Set when Google answers invalid_grant or 401: syncs stop until the person signs in again.
    needs_reauth            boolean NOT NULL DEFAULT false,
    autosync_enabled        boolean NOT NULL DEFAULT true,
    sync_interval_minutes   integer NOT NULL DEFAULT 15 CHECK (sync_interval_minutes > 0),
    last_sync_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    title       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
CREATE INDEX conversations_recent ON conversations (user_id, updated_at DESC);

-- One turn of a conversation: the person's query and the assistant's answer.
CREATE TABLE messages (
    user_id          uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    conversation_id  uuid NOT NULL,
    query            text NOT NULL,
    intent           jsonb,
    response         text,
    -- The items the answer showed (ids, services, titles), so follow-ups ("reply to the second one") resolve.
    results          jsonb NOT NULL DEFAULT '[]',
    actions_taken    jsonb NOT NULL DEFAULT '[]',
    -- Client-supplied id of the write that created the turn: a retried request finds its first answer.
    request_id       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, conversation_id) REFERENCES conversations (user_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_by_conversation ON messages (user_id, conversation_id, created_at);
CREATE UNIQUE INDEX messages_request_id ON messages (user_id, request_id) WHERE request_id IS NOT NULL;
