-- The ids a phone app made up for a call DialBox also knows by its own id (contract §14, issue
-- 29): 2.4.0 reports an incoming call's end as `IN-local-<ms>`, then sends its follow-up and
-- recording under that id or under the one §4.2 answered. Each alias belongs to the user whose
-- phone made it (two phones may make the same `IN-local-<ms>`); the call's own id stays its id.
CREATE TABLE call_aliases (
    user_id    TEXT NOT NULL REFERENCES users (id),
    alias      TEXT NOT NULL,
    call_id    TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, alias)
) WITHOUT ROWID;
CREATE INDEX call_aliases_by_call ON call_aliases (call_id);

