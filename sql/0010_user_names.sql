-- A user's display name — the real name, or the username when there is none — written once
-- (issue 28): every query that shows who made, owns or dialed something joins this view
-- instead of repeating the expression; the API answers it as `displayName`.
CREATE VIEW users_named AS
SELECT *, COALESCE(NULLIF(real_name, ''), username) AS display_name FROM users;
