-- Keyword search over calls (§5.6, contract §10): customer name, number and notes matched as
-- substrings through a trigram index, so a keyword of 3+ characters does not scan millions of
-- calls. Shorter keywords fall back to LIKE (a trigram index cannot answer them).
-- External content keyed by call_records' rowid: the triggers keep it in step. call_records has
-- no INTEGER PRIMARY KEY, so a VACUUM may renumber rowids: after one, run
-- INSERT INTO call_search (call_search) VALUES ('rebuild').
CREATE VIRTUAL TABLE call_search USING fts5(
    customer_name, customer_phone, notes,
    content = 'call_records', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER call_search_insert AFTER INSERT ON call_records BEGIN
    INSERT INTO call_search (rowid, customer_name, customer_phone, notes)
    VALUES (new.rowid, new.customer_name, new.customer_phone, new.notes);
END;

CREATE TRIGGER call_search_delete AFTER DELETE ON call_records BEGIN
    INSERT INTO call_search (call_search, rowid, customer_name, customer_phone, notes)
    VALUES ('delete', old.rowid, old.customer_name, old.customer_phone, old.notes);
END;

CREATE TRIGGER call_search_update AFTER UPDATE OF customer_name, customer_phone, notes
ON call_records BEGIN
    INSERT INTO call_search (call_search, rowid, customer_name, customer_phone, notes)
    VALUES ('delete', old.rowid, old.customer_name, old.customer_phone, old.notes);
    INSERT INTO call_search (rowid, customer_name, customer_phone, notes)
    VALUES (new.rowid, new.customer_name, new.customer_phone, new.notes);
END;

INSERT INTO call_search (call_search) VALUES ('rebuild');
