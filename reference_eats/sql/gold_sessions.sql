-- One row per session, in the names other tools rely on. The sessionize pattern keyed the events
-- by (visitor_id, is_known_visitor): a visitor is the stitched user_id, or the browser's
-- session_id while nobody has logged in on it, and the flag tells the two apart, so user_id is
-- the visitor_id of known visitors and NULL for anonymous ones.
SELECT
    session_key,
    visitor_id,
    CASE WHEN is_known_visitor THEN visitor_id END  AS user_id,
    session_start                                   AS started_at,
    session_end                                     AS ended_at,
    session_duration_seconds                        AS duration_seconds,
    session_event_count                             AS event_count,
    converted
FROM df
