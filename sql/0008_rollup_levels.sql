-- Issue 18: two coarser levels over the daily rollup, kept in step with it by triggers, so that
-- every writer of `call_daily_stats` (a call's write, a rebuild, generated data) moves them in
-- the same transaction. A year of §5.5 read ~18,000 day-user rows twice (by day, by person);
-- an unfiltered §5.6 total summed every day-user row there is (~36,000 for two years of 50
-- people). Now the office's days come from one row a day, and a person's whole months from one
-- row a month.

-- Per office month (YYYY-MM) and user: a range's whole months; its first and last partial
-- months still come from the days.
CREATE TABLE call_monthly_stats (
    month           TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    total_calls     INTEGER NOT NULL DEFAULT 0,
    connected_calls INTEGER NOT NULL DEFAULT 0,
    inbound_calls   INTEGER NOT NULL DEFAULT 0,
    outbound_calls  INTEGER NOT NULL DEFAULT 0,
    total_duration  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, user_id)
) WITHOUT ROWID;

-- Per office day, everyone: what the admin's views without a person or department read.
CREATE TABLE call_day_totals (
    day             TEXT NOT NULL PRIMARY KEY,
    total_calls     INTEGER NOT NULL DEFAULT 0,
    connected_calls INTEGER NOT NULL DEFAULT 0,
    inbound_calls   INTEGER NOT NULL DEFAULT 0,
    outbound_calls  INTEGER NOT NULL DEFAULT 0,
    total_duration  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER call_daily_stats_insert AFTER INSERT ON call_daily_stats BEGIN
    INSERT INTO call_monthly_stats (month, user_id, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (substr(new.day, 1, 7), new.user_id, new.total_calls, new.connected_calls, new.inbound_calls, new.outbound_calls, new.total_duration)
    ON CONFLICT (month, user_id) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
    INSERT INTO call_day_totals (day, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (new.day, new.total_calls, new.connected_calls, new.inbound_calls, new.outbound_calls, new.total_duration)
    ON CONFLICT (day) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
END;

-- a day-user row's key never changes (the rollup's writers upsert it): only its sums move
CREATE TRIGGER call_daily_stats_update AFTER UPDATE ON call_daily_stats BEGIN
    INSERT INTO call_monthly_stats (month, user_id, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (substr(new.day, 1, 7), new.user_id, new.total_calls - old.total_calls, new.connected_calls - old.connected_calls, new.inbound_calls - old.inbound_calls, new.outbound_calls - old.outbound_calls, new.total_duration - old.total_duration)
    ON CONFLICT (month, user_id) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
    INSERT INTO call_day_totals (day, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (new.day, new.total_calls - old.total_calls, new.connected_calls - old.connected_calls, new.inbound_calls - old.inbound_calls, new.outbound_calls - old.outbound_calls, new.total_duration - old.total_duration)
    ON CONFLICT (day) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
END;

CREATE TRIGGER call_daily_stats_delete AFTER DELETE ON call_daily_stats BEGIN
    INSERT INTO call_monthly_stats (month, user_id, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (substr(old.day, 1, 7), old.user_id, -old.total_calls, -old.connected_calls, -old.inbound_calls, -old.outbound_calls, -old.total_duration)
    ON CONFLICT (month, user_id) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
    INSERT INTO call_day_totals (day, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    VALUES (old.day, -old.total_calls, -old.connected_calls, -old.inbound_calls, -old.outbound_calls, -old.total_duration)
    ON CONFLICT (day) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration;
END;

INSERT INTO call_monthly_stats (month, user_id, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    SELECT substr(day, 1, 7), user_id, SUM(total_calls), SUM(connected_calls), SUM(inbound_calls), SUM(outbound_calls), SUM(total_duration)
    FROM call_daily_stats GROUP BY 1, 2;

INSERT INTO call_day_totals (day, total_calls, connected_calls, inbound_calls, outbound_calls, total_duration)
    SELECT day, SUM(total_calls), SUM(connected_calls), SUM(inbound_calls), SUM(outbound_calls), SUM(total_duration)
    FROM call_daily_stats GROUP BY day;
