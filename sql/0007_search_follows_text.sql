-- Issue 18: the search index follows a call's name, number and notes only when one of them
-- really changes. Every state change of a call (ringing, connected, ended, its recording) writes
-- the whole row, and `UPDATE OF` fires on a column named in the SET list whether or not its
-- value changed: each call rewrote its trigram entries three or four times on the dial path.
DROP TRIGGER call_search_update;

CREATE TRIGGER call_search_update AFTER UPDATE OF customer_name, customer_phone, notes
ON call_records
WHEN old.customer_name IS NOT new.customer_name
  OR old.customer_phone IS NOT new.customer_phone
  OR old.notes IS NOT new.notes
BEGIN
    INSERT INTO call_search (call_search, rowid, customer_name, customer_phone, notes)
    VALUES ('delete', old.rowid, old.customer_name, old.customer_phone, old.notes);
    INSERT INTO call_search (rowid, customer_name, customer_phone, notes)
    VALUES (new.rowid, new.customer_name, new.customer_phone, new.notes);
END;
