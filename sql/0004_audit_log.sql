-- Who did what (issue 13, item 9): logins, deletes, downloads, user changes. Written in the same
-- transaction as the act it records; append-only — the triggers refuse any change or removal,
-- so not even a bug in DialBox can edit the history. Backups carry it with everything else.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,                 -- epoch ms
    user_id  TEXT,                             -- who; NULL for the command line and unknown users
    username TEXT NOT NULL,                    -- as known (or typed, for a failed login) then
    action   TEXT NOT NULL,                    -- see src/audit.rs
    target   TEXT NOT NULL DEFAULT '',         -- the record acted on (an id)
    detail   TEXT NOT NULL DEFAULT '',
    address  TEXT NOT NULL DEFAULT ''          -- the client's IP address ('' on the command line)
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_user ON audit_log (user_id, at);

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
