-- DialBox schema, version 1.
-- Times are INTEGER milliseconds since the Unix epoch (UTC); the API renders them as ISO 8601.
-- JSON arrays (tags) are TEXT holding a JSON array.
-- Sized for ~2.5 million calls a year in a 50-seat office: every list is newest-first over an
-- index that starts with its filter, and statistics read the per-day rollup, not the calls.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,                -- user_<random>
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,                   -- argon2id PHC string
    real_name      TEXT NOT NULL DEFAULT '',
    department     TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'sales_staff')),
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- bumped on disable and password reset: every token carrying an older value is refused
    token_version  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX users_by_department ON users (department);

-- A bound work phone (§3). Unbinding keeps the row (calls point at it) and sets unbound_at.
CREATE TABLE work_phones (
    id              INTEGER PRIMARY KEY,            -- §3.2 shows integer ids
    user_id         TEXT NOT NULL REFERENCES users (id),
    device_id       TEXT NOT NULL,
    phone_number    TEXT,                           -- NULL: the shipped app binds without one
    device_name     TEXT NOT NULL DEFAULT '',
    device_model    TEXT NOT NULL DEFAULT '',
    os_type         TEXT NOT NULL DEFAULT '',
    os_version      TEXT NOT NULL DEFAULT '',
    app_version     TEXT NOT NULL DEFAULT '',
    is_primary      INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    token_id        TEXT NOT NULL UNIQUE,           -- jti of the phone's wsToken; revoked with the row
    last_active_at  INTEGER,
    created_at      INTEGER NOT NULL,
    unbound_at      INTEGER
);
CREATE INDEX work_phones_by_user ON work_phones (user_id) WHERE unbound_at IS NULL;
-- one number, one phone; one active binding per device
CREATE UNIQUE INDEX work_phones_number_once ON work_phones (phone_number)
    WHERE unbound_at IS NULL AND phone_number IS NOT NULL;
CREATE UNIQUE INDEX work_phones_device_once ON work_phones (device_id) WHERE unbound_at IS NULL;

-- A QR bind request: §3.1 connectionId (kind 'pc') or §3.1.1 token (kind 'mobile').
CREATE TABLE bind_requests (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('pc', 'mobile')),
    user_id     TEXT NOT NULL REFERENCES users (id),   -- the salesperson the phone is bound to
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    phone_id    INTEGER REFERENCES work_phones (id),
    bound_at    INTEGER
);
CREATE INDEX bind_requests_by_expiry ON bind_requests (expires_at);

CREATE TABLE customers (
    id                 TEXT PRIMARY KEY,             -- cust_<random>
    name               TEXT NOT NULL,
    phone              TEXT NOT NULL UNIQUE,         -- normalised digits, e.g. 13800138000
    level              TEXT NOT NULL DEFAULT 'normal',
    tags               TEXT NOT NULL DEFAULT '[]',
    follow_status      TEXT NOT NULL DEFAULT 'new',
    last_contact_time  INTEGER,
    next_follow_time   INTEGER,
    owner_id           TEXT REFERENCES users (id) ON DELETE SET NULL,
    notes              TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX customers_by_name ON customers (name);
CREATE INDEX customers_by_created ON customers (created_at);
CREATE INDEX customers_by_next_follow ON customers (next_follow_time) WHERE next_follow_time IS NOT NULL;

-- One call. `state` is the live state machine (contract §6); `end_status` the §4.2 result once
-- ended. The API's callStatus is end_status when state = 'ended', else state.
CREATE TABLE call_records (
    id                  TEXT PRIMARY KEY,            -- call_YYYYMMDD_<random>
    user_id             TEXT NOT NULL REFERENCES users (id),
    phone_id            INTEGER REFERENCES work_phones (id),
    customer_id         TEXT REFERENCES customers (id) ON DELETE SET NULL,
    customer_name       TEXT NOT NULL DEFAULT '',
    customer_phone      TEXT NOT NULL DEFAULT '',    -- normalised digits
    call_type           TEXT NOT NULL CHECK (call_type IN ('outbound', 'inbound')),
    state               TEXT NOT NULL CHECK (state IN ('calling', 'ringing', 'connected', 'ended', 'canceled')),
    end_status          TEXT CHECK (end_status IN ('connected', 'missed', 'busy', 'rejected', 'failed')),
    end_reason          TEXT,
    start_time          INTEGER NOT NULL,
    connected_at        INTEGER,
    end_time            INTEGER,
    duration            INTEGER NOT NULL DEFAULT 0 CHECK (duration >= 0),
    has_recording       INTEGER NOT NULL DEFAULT 0 CHECK (has_recording IN (0, 1)),
    notes               TEXT NOT NULL DEFAULT '',
    call_tags           TEXT NOT NULL DEFAULT '[]',
    follow_up_required  INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_required IN (0, 1)),
    order_id            TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX call_records_by_user_start ON call_records (user_id, start_time);
CREATE INDEX call_records_by_start ON call_records (start_time);
CREATE INDEX call_records_by_customer ON call_records (customer_id, start_time);
CREATE INDEX call_records_by_phone_number ON call_records (customer_phone, start_time);
-- the dial-timeout sweep and "is this phone busy" only look at live calls: a small partial index
CREATE INDEX call_records_live ON call_records (state, start_time)
    WHERE state IN ('calling', 'ringing', 'connected');

-- Every report received for a call (HTTP, socket, PC, timeout), kept as history (contract §6).
CREATE TABLE call_events (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,                       -- http | ws | pc | timeout
    kind        TEXT NOT NULL,                       -- status | end | cancel | timeout | ...
    payload     TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);
CREATE INDEX call_events_by_call ON call_events (call_id, id);

-- Phone socket messages already applied, so a resent messageId is acked again but applied once.
CREATE TABLE device_messages (
    phone_id    INTEGER NOT NULL REFERENCES work_phones (id),
    message_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (phone_id, message_id)
) WITHOUT ROWID;
CREATE INDEX device_messages_by_age ON device_messages (created_at);

CREATE TABLE follow_ups (
    id              TEXT PRIMARY KEY,                -- followup_<random>
    call_id         TEXT REFERENCES call_records (id) ON DELETE SET NULL,
    customer_id     TEXT REFERENCES customers (id) ON DELETE SET NULL,
    customer_name   TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL REFERENCES users (id),
    type            TEXT NOT NULL DEFAULT 'call',
    content         TEXT NOT NULL DEFAULT '',
    intention       TEXT CHECK (intention IN ('high', 'medium', 'low', 'none')),
    call_tags       TEXT NOT NULL DEFAULT '[]',
    next_follow_up  INTEGER,
    priority        TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX follow_ups_by_user ON follow_ups (user_id, created_at);
CREATE INDEX follow_ups_by_created ON follow_ups (created_at);
CREATE INDEX follow_ups_by_customer ON follow_ups (customer_id, created_at);
CREATE INDEX follow_ups_by_call ON follow_ups (call_id);
CREATE INDEX follow_ups_pending ON follow_ups (next_follow_up) WHERE status = 'pending';

CREATE TABLE recordings (
    id            TEXT PRIMARY KEY,                  -- rec_<random>
    call_id       TEXT NOT NULL REFERENCES call_records (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    file_name     TEXT NOT NULL,
    rel_path      TEXT NOT NULL UNIQUE,              -- YYYY/MM/DD/<file> under recordings/
    file_size     INTEGER NOT NULL CHECK (file_size >= 0),
    duration      INTEGER NOT NULL DEFAULT 0,
    format        TEXT NOT NULL,
    storage_type  TEXT NOT NULL DEFAULT 'local',
    created_at    INTEGER NOT NULL
);
CREATE INDEX recordings_by_call ON recordings (call_id);
CREATE INDEX recordings_by_created ON recordings (created_at);
CREATE INDEX recordings_by_user ON recordings (user_id, created_at);

-- Per office-day, per user call totals, kept in the same transaction as every call write, so
-- §5.4/§5.5 statistics over a year read ~18,000 rows instead of ~2.5 million.
-- `day` is YYYY-MM-DD in the office time zone recorded in settings('stats_timezone').
CREATE TABLE call_daily_stats (
    day             TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    total_calls     INTEGER NOT NULL DEFAULT 0,
    connected_calls INTEGER NOT NULL DEFAULT 0,
    inbound_calls   INTEGER NOT NULL DEFAULT 0,
    outbound_calls  INTEGER NOT NULL DEFAULT 0,
    total_duration  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id)
) WITHOUT ROWID;
CREATE INDEX call_daily_stats_by_user ON call_daily_stats (user_id, day);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
