-- Driver pings as landed, typed alike on both engines (see bronze_clicks.sql).
SELECT
    CAST(ping_id AS STRING)                     AS ping_id,
    TRY_CAST(driver_id AS BIGINT)               AS driver_id,
    TRY_CAST(order_id AS BIGINT)                AS order_id,
    TRY_CAST(CAST(ts AS STRING) AS TIMESTAMP)   AS ts,
    TRY_CAST(lat AS DOUBLE)                     AS lat,
    TRY_CAST(lon AS DOUBLE)                     AS lon,
    _corrupt_record
FROM df
