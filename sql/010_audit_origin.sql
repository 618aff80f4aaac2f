-- Where each audit event came from: the request that caused it (its X-Request-Id, the id in its JSON log lines;
-- a job's id for work done in the background) and the face it came through: 'rest' (REST API and web page),
-- 'ws' (the WebSocket), 'addon' (the Gmail add-on); NULL for neither (a CLI, a test).
-- Reading a person's log newest first is a backward scan of the primary key (user_id, id).
ALTER TABLE action_log
    ADD COLUMN request_id text,
    ADD COLUMN face text;
