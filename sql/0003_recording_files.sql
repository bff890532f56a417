-- A recording row whose file is gone (a disk restored without recordings/, a file removed by
-- hand): the reconcile at start and in every retention sweep marks it, so the page can say so
-- instead of failing to play; it clears the mark when the file is back.
ALTER TABLE recordings ADD COLUMN file_missing INTEGER NOT NULL DEFAULT 0
    CHECK (file_missing IN (0, 1));
