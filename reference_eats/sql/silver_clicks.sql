-- Each event with the visitor it belongs to: the stitched user (its own user_id, or the user who
-- first logged in on its browser session, back-filled to the events before the login), else the
-- browser's session_id. Sessions are cut per visitor, so a user who switches browser mid-visit
-- stays in one session.
SELECT
    event_id,
    session_id,
    user_id,
    stitched_user_id,
    COALESCE(stitched_user_id, session_id)  AS visitor_id,
    stitched_user_id IS NOT NULL            AS is_known_visitor,
    event_type,
    ts,
    restaurant_id,
    order_id
FROM df
