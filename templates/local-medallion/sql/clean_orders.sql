-- Typed, priced orders. `raw` and `products` are this node's inputs.
SELECT
    CAST(o.order_id AS BIGINT)            AS order_id,
    CAST(o.customer_id AS BIGINT)         AS customer_id,
    CAST(o.order_date AS DATE)            AS order_date,
    lower(o.status)                       AS status,
    o.product_id,
    CAST(o.quantity AS INT)               AS quantity,
    ROUND(o.quantity * p.unit_price, 2)   AS total
FROM raw o
JOIN products p ON o.product_id = p.product_id
WHERE o.order_id IS NOT NULL
