-- Payments, typed alike whichever database they come from (see bronze_orders.sql).
SELECT
    CAST(payment_id AS BIGINT)                      AS payment_id,
    CAST(order_id AS BIGINT)                        AS order_id,
    CAST(method AS STRING)                          AS method,
    CAST(amount AS DOUBLE)                          AS amount,
    CAST(status AS STRING)                          AS status,
    TRY_CAST(CAST(paid_at AS STRING) AS TIMESTAMP)  AS paid_at
FROM df
