-- Orders from SQLite (text timestamps, REAL money) or PostgreSQL (TIMESTAMP, NUMERIC): one set of
-- types whichever database they come from, so --env pg and the default give the same bronze table.
SELECT
    CAST(order_id AS BIGINT)                            AS order_id,
    CAST(user_id AS STRING)                             AS user_id,
    CAST(restaurant_id AS BIGINT)                       AS restaurant_id,
    CAST(driver_id AS BIGINT)                           AS driver_id,
    CAST(status AS STRING)                              AS status,
    TRY_CAST(CAST(created_at AS STRING) AS TIMESTAMP)   AS created_at,
    TRY_CAST(CAST(picked_up_at AS STRING) AS TIMESTAMP) AS picked_up_at,
    TRY_CAST(CAST(delivered_at AS STRING) AS TIMESTAMP) AS delivered_at,
    CAST(subtotal AS DOUBLE)                            AS subtotal,
    CAST(delivery_fee AS DOUBLE)                        AS delivery_fee,
    CAST(tip AS DOUBLE)                                 AS tip,
    CAST(total AS DOUBLE)                               AS total,
    CAST(delivery_lat AS DOUBLE)                        AS delivery_lat,
    CAST(delivery_lon AS DOUBLE)                        AS delivery_lon
FROM df
