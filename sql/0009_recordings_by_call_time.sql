-- Issue 18: a call's latest recording without a sort. Every call of a list page asks for it
-- twice (its path and its id, `db::calls::SELECT`); with an index on call_id alone each ask
-- built and sorted a temporary B-tree, even for a call with no recording: ~90% of a 20-row
-- page's database time.
CREATE INDEX recordings_by_call_time ON recordings (call_id, created_at);
DROP INDEX recordings_by_call;
