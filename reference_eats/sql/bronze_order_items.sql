-- Order lines, typed alike whichever database they come from (see bronze_orders.sql).
SELECT
    CAST(order_id AS BIGINT)       AS order_id,
    CAST(line_no AS BIGINT)        AS line_no,
    CAST(menu_item_id AS BIGINT)   AS menu_item_id,
    CAST(quantity AS BIGINT)       AS quantity,
    CAST(unit_price AS DOUBLE)     AS unit_price
FROM df
