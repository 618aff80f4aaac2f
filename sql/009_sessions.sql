-- Sign-in sessions: the web's `wo_session` cookie and the extension's bearer tokens.
-- Only a SHA-256 of each token is stored. A token names its user (`wo_<user id>_<secret>`), so a lookup is by
-- (user_id, token_hash) like every other user-owned row; the secret part is what makes it unguessable.
CREATE TABLE sessions (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    kind        text NOT NULL CHECK (kind IN ('web', 'bearer')),
    -- How it was made: a Google sign-in on the web, a Google access token (the extension), or the demo's
    -- one-click login. Logging out of a 'dev' session leaves the demo's Google grant alone.
    source      text NOT NULL CHECK (source IN ('oauth', 'google_token', 'dev')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    PRIMARY KEY (user_id, token_hash)
);
