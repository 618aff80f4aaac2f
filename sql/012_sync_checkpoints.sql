-- Where an unfinished sync resumes. A Gmail or Drive sync lists its work first (message ids; file resources), saves
-- it here with the token to keep once done, then writes it in batches, moving `position` forward in the same
-- transaction as each batch. A job that spends its person's Google budget (workers/budget.py) stops at a batch
-- boundary and is queued again; it, or a job killed half-way and retried, carries on from `position`.
CREATE TABLE sync_checkpoints (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    service     text NOT NULL CHECK (service IN ('gmail', 'calendar', 'drive')),
    kind        text NOT NULL CHECK (kind IN ('full', 'delta')),
    next_token  text,                       -- the historyId / page token sync_status keeps when this finishes
    items       jsonb NOT NULL,             -- the listed work, written once
    position    integer NOT NULL DEFAULT 0, -- items before it are written
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, service)
);
