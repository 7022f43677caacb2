-- Typed readings with their meter's site and region. `raw` is this node's input, `meters` its
-- dependency. A LEFT JOIN: a reading of a meter the register does not know keeps NULL site and
-- region, and the node's `known_meter` test quarantines it instead of dropping it silently.
SELECT
    r.meter_id,
    m.site,
    m.region,
    CAST(r.read_at AS TIMESTAMP)   AS read_at,
    CAST(r.read_at AS DATE)        AS read_date,
    CAST(r.kwh AS DOUBLE)          AS kwh
FROM raw r
LEFT JOIN meters m ON r.meter_id = m.meter_id
