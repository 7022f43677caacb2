-- Orders with their customer's current tier and the product's price.
-- `orders` and `products` are this node's inputs; `customers_history` is its dependency (the
-- SCD2 history: only the current version of each customer joins).
SELECT
    o.order_id,
    o.customer_id,
    c.name                                  AS customer,
    c.tier,
    o.product_id,
    p.name                                  AS product,
    CAST(o.quantity AS INTEGER)             AS quantity,
    ROUND(o.quantity * p.unit_price, 2)     AS total,
    o.status,
    o.updated_at
FROM orders o
LEFT JOIN customers_history c ON o.customer_id = c.customer_id AND c.is_current
LEFT JOIN products p ON o.product_id = p.product_id
