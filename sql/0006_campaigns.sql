-- Call lists and the power dialer (issue 16): 外呼任务 with their numbers, the salesperson's
-- dialing session, and the office's do-not-call list.

-- A call list. Its pacing (`pacing`, JSON, NULL: the office's) can only tighten the office's.
CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,                -- camp_<random>
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    owner_id        TEXT NOT NULL REFERENCES users (id),
    department      TEXT NOT NULL DEFAULT '',        -- the owner's, for managers' scope
    wrap_up_ms      INTEGER NOT NULL CHECK (wrap_up_ms >= 0),
    retry_delay_ms  INTEGER NOT NULL CHECK (retry_delay_ms >= 0),
    max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
    pacing          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX campaigns_by_created ON campaigns (created_at);

-- One number of a list. `queue` says where it is: waiting as a `callback` (再联系, due at
-- `due_at`), a `retry` (missed or busy, due at `due_at`) or `fresh` (never dialed, `due_at` 0,
-- in list order); being dialed (`dialing`); or `done` with its `outcome`.
CREATE TABLE campaign_items (
    id            INTEGER PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    phone         TEXT NOT NULL,                     -- normalised digits
    customer_id   TEXT REFERENCES customers (id) ON DELETE SET NULL,
    name          TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    assignee_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    queue         TEXT NOT NULL DEFAULT 'fresh'
                  CHECK (queue IN ('fresh', 'retry', 'callback', 'dialing', 'done')),
    outcome       TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_call_id  TEXT,
    due_at        INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    UNIQUE (campaign_id, phone)
);
-- The next item of a salesperson's session: equality on list, person and queue, then the
-- earliest due (callbacks, retries) or the first in list order (fresh: due_at is 0).
CREATE INDEX campaign_items_next ON campaign_items (campaign_id, assignee_id, queue, due_at, position);
-- A call's end finds the item it dialed.
CREATE INDEX campaign_items_by_call ON campaign_items (last_call_id) WHERE last_call_id IS NOT NULL;

-- A salesperson working a list: at most one session each. `call_id` is the call in progress or
-- in wrap-up; `next_at` when the next dial may go out (NULL: waiting for that call's end),
-- with `wait_reason` naming what it waits for.
CREATE TABLE dialer_sessions (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    phone_id      INTEGER REFERENCES work_phones (id),
    status        TEXT NOT NULL CHECK (status IN ('running', 'paused', 'finished')),
    pause_reason  TEXT,
    item_id       INTEGER REFERENCES campaign_items (id) ON DELETE SET NULL,
    call_id       TEXT,
    call_ended_at INTEGER,
    next_at       INTEGER,
    wait_reason   TEXT,
    started_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX dialer_sessions_due ON dialer_sessions (next_at) WHERE status = 'running';

-- 黑名单: numbers never dialed by DialBox, whoever asks.
CREATE TABLE do_not_call (
    phone       TEXT PRIMARY KEY,                    -- normalised digits
    reason      TEXT NOT NULL DEFAULT '',
    added_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);

-- Pacing counts a phone's dials in the last hour and today.
CREATE INDEX call_records_by_phone_start ON call_records (phone_id, start_time) WHERE phone_id IS NOT NULL;
