-- Clicks as landed, with the landing contract's columns typed the same way on pandas (DuckDB) and
-- Spark, whatever the JSON reader inferred (ts may arrive as text or as a timestamp). TRY_CAST
-- turns a value that does not convert into NULL, which the node's validation then quarantines.
-- _corrupt_record holds the text of a line that was not JSON (on_bad_lines: keep).
SELECT
    CAST(event_id AS STRING)                    AS event_id,
    CAST(session_id AS STRING)                  AS session_id,
    CAST(user_id AS STRING)                     AS user_id,
    CAST(event_type AS STRING)                  AS event_type,
    TRY_CAST(CAST(ts AS STRING) AS TIMESTAMP)   AS ts,
    TRY_CAST(restaurant_id AS BIGINT)           AS restaurant_id,
    TRY_CAST(order_id AS BIGINT)                AS order_id,
    _corrupt_record
FROM df
