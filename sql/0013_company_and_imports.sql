-- Issue 30: customers gain 公司 (these are B2B offices), and every customer import is a batch
-- the page can undo (撤销本次导入): what it created goes, what it updated returns to what it was.

ALTER TABLE customers ADD COLUMN company TEXT NOT NULL DEFAULT '';

CREATE TABLE import_batches (
    id          TEXT PRIMARY KEY,                  -- imp_<random>
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL,                     -- 'skip' | 'update' (按电话更新)
    created     INTEGER NOT NULL DEFAULT 0,        -- customers it made
    updated     INTEGER NOT NULL DEFAULT 0,        -- customers it changed
    created_at  INTEGER NOT NULL,
    undone_at   INTEGER                            -- set once its undo has finished
);
CREATE INDEX import_batches_newest ON import_batches (created_at DESC);

-- One line per customer a batch touched; its undo deletes the line as it undoes it, so an undo
-- cut short by a crash goes on where it stopped. No foreign key to customers on purpose: a
-- customer deleted since is simply nothing to undo.
CREATE TABLE import_changes (
    batch_id    TEXT NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    before      TEXT,                              -- NULL: the batch created it; else its fields
    left_at     INTEGER NOT NULL,                  -- the customer's updated_at the batch left
    PRIMARY KEY (batch_id, customer_id)
) WITHOUT ROWID;
