-- One row per item per daily snapshot; the folder name snapshot_date=YYYY-MM-DD gives the date.
SELECT
    CAST(menu_item_id AS BIGINT)    AS menu_item_id,
    CAST(restaurant_id AS BIGINT)   AS restaurant_id,
    CAST(item_name AS STRING)       AS item_name,
    CAST(price AS DOUBLE)           AS price,
    CAST(snapshot_date AS DATE)     AS snapshot_date
FROM df
