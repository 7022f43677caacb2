-- OdibiEats OLTP tables, hand-made test set. Plain SQL that loads into PostgreSQL and SQLite alike;
-- oltp.sqlite beside this file is this script run through sqlite3.
CREATE TABLE orders (
    order_id      BIGINT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    restaurant_id BIGINT NOT NULL,
    driver_id     BIGINT,
    status        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    picked_up_at  TIMESTAMP,
    delivered_at  TIMESTAMP,
    subtotal      NUMERIC(10, 2) NOT NULL,
    delivery_fee  NUMERIC(10, 2) NOT NULL,
    tip           NUMERIC(10, 2) NOT NULL,
    total         NUMERIC(10, 2) NOT NULL,
    delivery_lat  DOUBLE PRECISION NOT NULL,
    delivery_lon  DOUBLE PRECISION NOT NULL
);
INSERT INTO orders VALUES
    (1, 'u1', 1, 11, 'delivered',   '2024-11-01 12:16:00', '2024-11-01 12:30:00', '2024-11-01 12:51:00', 21.50, 2.99, 3.00, 27.49, 41.87,  -87.62),
    (2, 'u3', 2, 12, 'delivered',   '2024-11-01 18:06:00', '2024-11-01 18:25:00', '2024-11-01 18:48:30', 12.00, 2.99, 1.50, 16.49, 41.88,  -87.63),
    (3, 'u1', 1, 11, 'delivered',   '2024-11-02 12:00:00', '2024-11-02 12:10:00', '2024-11-02 12:25:00',  9.50, 1.99, 0.00, 11.49, 41.86,  -87.68),
    (4, 'u2', 3, 12, 'cancelled',   '2024-11-02 13:00:00', NULL,                  NULL,                  14.00, 2.99, 0.00, 16.99, 41.87,  -87.66),
    (5, 'u4', 2, 13, 'delivered',   '2024-11-02 09:10:00', '2024-11-02 09:18:00', '2024-11-02 09:40:00', 24.00, 3.99, 4.00, 31.99, 41.70,  -87.50),
    (6, 'u1', 2, 13, 'in_progress', '2024-11-02 20:00:00', '2024-11-02 20:10:00', NULL,                  13.50, 2.99, 2.00, 18.49, 42.02,  -87.65),
    (7, 'u3', 3, 11, 'delivered',   '2024-11-02 09:00:00', '2024-11-02 09:08:00', '2024-11-02 09:20:00', 18.00, 2.99, 2.50, 23.49, 42.02,  -87.65);

CREATE TABLE order_items (
    order_id     BIGINT NOT NULL,
    line_no      INTEGER NOT NULL,
    menu_item_id BIGINT NOT NULL,
    quantity     INTEGER NOT NULL,
    unit_price   NUMERIC(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
INSERT INTO order_items VALUES
    (1, 1, 101, 2, 9.50),
    (1, 2, 102, 1, 3.00),
    (2, 1, 201, 1, 12.00),
    (3, 1, 101, 1, 11.00),
    (4, 1, 102, 2, 3.00),
    (5, 1, 201, 2, 12.00),
    (6, 1, 201, 1, 13.50),
    (7, 1, 102, 6, 3.00);

CREATE TABLE payments (
    payment_id BIGINT PRIMARY KEY,
    order_id   BIGINT NOT NULL,
    method     TEXT NOT NULL,
    amount     NUMERIC(10, 2) NOT NULL,
    status     TEXT NOT NULL,
    paid_at    TIMESTAMP
);
INSERT INTO payments VALUES
    (1001, 1, 'card',   27.49, 'captured', '2024-11-01 12:16:05'),
    (1002, 2, 'wallet', 16.49, 'captured', '2024-11-01 18:06:04'),
    (1003, 3, 'card',   11.49, 'captured', '2024-11-02 12:00:03'),
    (1004, 4, 'card',   16.99, 'refunded', '2024-11-02 13:00:02'),
    (1005, 5, 'card',   31.99, 'captured', '2024-11-02 09:10:06'),
    (1006, 6, 'cash',   18.49, 'pending',  NULL),
    (1007, 7, 'wallet', 23.49, 'captured', '2024-11-02 09:00:04');
