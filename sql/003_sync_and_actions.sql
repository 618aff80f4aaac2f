-- Sync progress per (user, service), and the side effects people confirm.

CREATE TABLE sync_status (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service          text NOT NULL CHECK (service IN ('gmail', 'calendar', 'drive')),
    state            text NOT NULL DEFAULT 'never' CHECK (state IN ('never', 'queued', 'running', 'ok', 'error', 'needs_reauth')),
    -- Gmail historyId / Calendar syncToken / Drive page token: where the next delta sync starts.
    last_sync_token  text,
    last_sync_at     timestamptz,
    last_success_at  timestamptz,
    last_error       text,
    items_done       integer NOT NULL DEFAULT 0,
    items_total      integer,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, service)
);

-- A side effect shown to the person and waiting for Confirm / Cancel. Confirming runs it once: the state moves
-- pending -> running -> done|failed under a row lock, and a retried confirm reads `result`.
CREATE TABLE pending_actions (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    conversation_id  uuid,
    kind             text NOT NULL,          -- send_email, reply, forward, trash_email, create_event, share_file ...
    preview          jsonb NOT NULL,         -- what the person saw: recipients, times, who gains access
    args             jsonb NOT NULL,         -- what will run
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled', 'expired', 'undone')),
    result           jsonb,
    undo             jsonb,                  -- how to reverse it, where Google allows
    error            text,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX pending_actions_open ON pending_actions (user_id, created_at DESC) WHERE state = 'pending';

-- Append-only audit of what was done on a person's behalf (who, what, when).
CREATE TABLE action_log (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    action_id   uuid,
    event       text NOT NULL,   -- confirmed, done, failed, cancelled, undone
    kind        text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    actor       text NOT NULL,   -- the signed-in address that confirmed
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
CREATE INDEX action_log_by_action ON action_log (user_id, action_id);
