-- The follow-up a call's after-call form made (§5.1). The phone and the PC page both submit §5.1
-- for the same call; the second submission edits that one follow-up (issue 14) instead of adding
-- a second. Follow-ups written by hand (§5.12) stay 0, even with a callId.
ALTER TABLE follow_ups ADD COLUMN after_call INTEGER NOT NULL DEFAULT 0 CHECK (after_call IN (0, 1));

-- Rows from before this: the oldest `call` follow-up of each call is taken as its after-call one
-- (the others stay, as ordinary follow-ups).
UPDATE follow_ups SET after_call = 1
 WHERE call_id IS NOT NULL AND type = 'call'
   AND rowid = (SELECT MIN(o.rowid) FROM follow_ups o
                 WHERE o.call_id = follow_ups.call_id AND o.type = 'call');

CREATE UNIQUE INDEX follow_ups_after_call ON follow_ups (call_id) WHERE after_call = 1;
