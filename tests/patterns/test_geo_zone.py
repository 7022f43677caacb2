"""geo_zone: points against hand-drawn zones (borders, corners, holes, overlaps) on both engines,
and against a brute-force shapely reference on a Voronoi city."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
import shapely

from odibi_core.errors import ConfigError
from odibi_core.session import Session
from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.builtin._geo_index import ZoneIndex
from tests.patterns.events_support import any_engine, frame, rows, run, schema, write_yaml_project  # noqa: F401

# Four unit squares around (1, 1), in lon/lat, plus one big square over all of them (id 9),
# a donut (id 7) far away and a two-part zone (id 8).
#   lat 2 +----+----+
#         | 3  | 4  |
#   lat 1 +----+----+        all inside zone 9: (0,0)-(2,2) ... but 9 is the highest id
#         | 1  | 2  |
#   lat 0 +----+----+
#        lon 0   1   2
ZONES = pa.table({
    "zone_id": pa.array([4, 9, 2, 3, 1, 7, 8], pa.int64()),
    "wkt": [
        "POLYGON ((1 1, 2 1, 2 2, 1 2, 1 1))",
        "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))",
        "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))",
        "POLYGON ((0 1, 1 1, 1 2, 0 2, 0 1))",
        "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))",
        "POLYGON ((10 10, 14 10, 14 14, 10 14, 10 10), (11 11, 13 11, 13 13, 11 13, 11 11))",
        "MULTIPOLYGON (((20 0, 21 0, 21 1, 20 1, 20 0)), ((30 0, 31 0, 31 1, 30 1, 30 0)))",
    ],
    "neighborhood": ["NE", "all", "SE", "NW", "SW", "donut", "twins"],
    "city": ["c"] * 7,
})
# point no, lat, lon -> expected zone id
POINTS = [
    (1, 0.5, 0.5, 1),      # inside 1 (and 9): 1
    (2, 1.5, 1.5, 4),      # inside 4 (and 9): 4
    (3, 0.5, 1.0, 1),      # on the 1|2 border: 1
    (4, 1.0, 1.5, 2),      # on the 2|4 border (lat 1, lon 1.5): 2
    (5, 1.0, 1.0, 1),      # the corner of 1, 2, 3, 4: 1
    (6, 1.5, 0.0, 3),      # on 3's outer edge, which is also 9's edge: 3
    (7, 2.0, 2.0, 4),      # the outer corner of 4 and 9: 4
    (8, 3.0, 3.0, None),   # outside every zone
    (9, 12.0, 12.0, None),  # in the donut's hole
    (10, 12.0, 11.0, 7),   # on the hole's edge: covered by the donut
    (11, 10.5, 10.5, 7),   # in the donut
    (12, 0.5, 30.5, 8),    # the second part of the two-part zone
    (13, None, 1.0, None),  # NULL latitude
    (14, 0.5, float("nan"), None),  # NaN longitude
    (15, -0.000001, 0.5, None),  # just outside
]


def points() -> pa.Table:
    return pa.table({"n": pa.array([p[0] for p in POINTS], pa.int64()),
                     "lat": pa.array([p[1] for p in POINTS], pa.float64()),
                     "lon": pa.array([p[2] for p in POINTS], pa.float64())})


def zone_of(engine, out, column="zone_id") -> dict[int, object]:
    return {r["n"]: r[column] for r in rows(engine, out)}


def test_border_rule_lowest_zone_id_among_covering_zones(any_engine):
    out, _ = run(any_engine, "geo_zone", frame(any_engine, points()), {"zones": frame(any_engine, ZONES)},
                 lat="lat", lon="lon", zones="zones")
    assert zone_of(any_engine, out) == {p[0]: p[3] for p in POINTS}
    assert list(schema(any_engine, out)) == ["n", "lat", "lon", "zone_id", "neighborhood", "city"]
    assert schema(any_engine, out)["zone_id"] == "int64"
    hood = zone_of(any_engine, out, "neighborhood")
    assert (hood[1], hood[12], hood[8]) == ("SW", "twins", None)


def test_selected_and_renamed_columns(any_engine):
    out, _ = run(any_engine, "geo_zone", frame(any_engine, points()), {"zones": frame(any_engine, ZONES)},
                 lat="lat", lon="lon", zones="zones", columns={"zone_id": "delivery_zone", "neighborhood": "hood"})
    assert list(schema(any_engine, out)) == ["n", "lat", "lon", "delivery_zone", "hood"]
    got = {r["n"]: (r["delivery_zone"], r["hood"]) for r in rows(any_engine, out)}
    assert got[4] == (2, "SE") and got[9] == (None, None)


def test_text_zone_ids_compare_as_text(any_engine):
    """'Z10' < 'Z2' as text: on the shared border, Z10 wins."""
    zones = pa.table({"code": ["Z2", "Z10"], "shape": ["POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))",
                                                      "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))"]})
    pts = pa.table({"n": [1, 2, 3], "lat": [0.5, 0.5, 0.5], "lon": [0.5, 1.0, 1.5]})
    out, _ = run(any_engine, "geo_zone", frame(any_engine, pts), {"z": frame(any_engine, zones)}, lat="lat",
                 lon="lon", zones="z", zone_id_column="code", wkt_column="shape")
    assert zone_of(any_engine, out, "code") == {1: "Z2", 2: "Z10", 3: "Z10"}


def _voronoi_city(n_zones: int, seed: int):
    rng = np.random.default_rng(seed)
    box = shapely.box(2.22, 48.81, 2.47, 48.91)
    seeds = shapely.multipoints(np.c_[rng.uniform(2.22, 2.47, n_zones), rng.uniform(48.81, 48.91, n_zones)])
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box)
    ids = rng.permutation(np.arange(100, 100 + n_zones))
    return cells, ids


def _reference(cells, ids, lon, lat) -> list:
    """Brute force: every zone that covers the point, lowest id wins."""
    best = [None] * len(lon)
    for i in np.argsort(ids)[::-1]:
        for j in np.nonzero(shapely.intersects_xy(cells[i], lon, lat))[0]:
            best[j] = int(ids[i])
    return best


def test_matches_brute_force_on_a_voronoi_city(any_engine):
    cells, ids = _voronoi_city(40, seed=3)
    rng = np.random.default_rng(4)
    vertices = shapely.get_coordinates(cells)  # exactly on borders, shared by 2-3 zones
    lon = np.concatenate([rng.uniform(2.2, 2.49, 3000), vertices[:, 0]])
    lat = np.concatenate([rng.uniform(48.8, 48.92, 3000), vertices[:, 1]])
    zones = pa.table({"zone_id": pa.array(ids, pa.int64()), "wkt": shapely.to_wkt(cells, rounding_precision=-1)})
    pts = pa.table({"n": np.arange(len(lon)), "lat": lat, "lon": lon})
    out, _ = run(any_engine, "geo_zone", frame(any_engine, pts), {"zones": frame(any_engine, zones)},
                 lat="lat", lon="lon", zones="zones")
    got = zone_of(any_engine, out)
    # the reference reads the same WKT text, so both test the same coordinates
    cells_back = shapely.from_wkt(zones.column("wkt").to_pylist())
    assert [got[i] for i in range(len(lon))] == _reference(cells_back, ids, lon, lat)
    assert sum(v is not None for v in got.values()) > 2000


def test_spark_partitions_share_the_broadcast_index(spark, tmp_path):
    from odibi_core.engines.spark.engine import SparkEngine

    engine = SparkEngine({}, tmp_path)
    lon = np.linspace(-0.5, 2.5, 4000)
    pts = engine.from_arrow(pa.table({"n": np.arange(4000), "lat": np.full(4000, 0.5), "lon": lon})).repartition(4)
    out, _ = run(engine, "geo_zone", pts, {"zones": engine.from_arrow(ZONES)}, lat="lat", lon="lon", zones="zones",
                 columns=["zone_id"])
    got = zone_of(engine, out)
    expected = {i: (None if x < 0 or x > 2 else 1 if x <= 1 else 2) for i, x in enumerate(lon)}
    assert got == expected


def test_empty_zone_table_gives_nulls(any_engine):
    zones = pa.table({"zone_id": pa.array([], pa.int64()), "wkt": pa.array([], pa.string())})
    out, _ = run(any_engine, "geo_zone", frame(any_engine, points()), {"zones": frame(any_engine, zones)},
                 lat="lat", lon="lon", zones="zones")
    assert set(zone_of(any_engine, out).values()) == {None}


def test_index_alone_with_overlaps_and_holes():
    zones = shapely.from_wkt(["POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 3 1, 3 3, 1 3, 1 1))",
                              "POLYGON ((2 2, 5 2, 5 5, 2 5, 2 2))"])
    index = ZoneIndex(zones)
    got = index.lookup(np.array([0.5, 2.0, 2.5, 4.5, 1.0, np.nan, 9.0]), np.array([0.5, 2.0, 2.5, 4.5, 2.0, 1.0, 9.0]))
    assert got.tolist() == [0, 1, 1, 1, 0, -1, -1]  # (2,2): hole of 0, corner of 1; (1,2): hole edge of 0


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("wkt", "message"), [
    ("POLYGON ((0 0, 1 0, 1 1", r"zone 2 in zones table 'zones' has WKT that does not parse"),
    ("POINT (1 1)", r"zone 2 in zones table 'zones' is a Point, not a non-empty POLYGON or MULTIPOLYGON"),
    ("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", r"zone 2 in zones table 'zones' is not a valid polygon \(Self-intersection"),
    (None, r"zone 2 in zones table 'zones' has no WKT polygon"),
])
def test_bad_zone_geometry_names_the_zone(engine, wkt, message):
    zones = pa.table({"zone_id": [1, 2], "wkt": ["POLYGON ((0 0, 1 0, 1 1, 0 0))", wkt]})
    with pytest.raises(TransformError, match=message):
        run(engine, "geo_zone", engine.from_arrow(points()), {"zones": engine.from_arrow(zones)}, lat="lat",
            lon="lon", zones="zones")


def test_duplicate_and_null_zone_ids(engine):
    dup = pa.table({"zone_id": [1, 1], "wkt": ["POLYGON ((0 0, 1 0, 1 1, 0 0))"] * 2})
    with pytest.raises(TransformError, match=r"zone id\(s\) 1 appear more than once"):
        run(engine, "geo_zone", engine.from_arrow(points()), {"zones": engine.from_arrow(dup)}, lat="lat", lon="lon",
            zones="zones")
    null = pa.table({"zone_id": pa.array([None], pa.int64()), "wkt": ["POLYGON ((0 0, 1 0, 1 1, 0 0))"]})
    with pytest.raises(TransformError, match=r"1 zone\(s\) in zones table 'zones' have a NULL zone_id"):
        run(engine, "geo_zone", engine.from_arrow(points()), {"zones": engine.from_arrow(null)}, lat="lat",
            lon="lon", zones="zones")


def test_column_problems(engine):
    pts, zones = engine.from_arrow(points()), {"zones": engine.from_arrow(ZONES)}
    with pytest.raises(TransformError, match=r"params.zones names table 'zone', which is not a dependency"):
        run(engine, "geo_zone", pts, zones, lat="lat", lon="lon", zones="zone")
    with pytest.raises(TransformError, match=r"column 'latitude' .*in params.lat not found"):
        run(engine, "geo_zone", pts, zones, lat="latitude", lon="lon", zones="zones")
    with pytest.raises(TransformError, match=r"column 'hood' .*in params.columns not found in zones table 'zones'"):
        run(engine, "geo_zone", pts, zones, lat="lat", lon="lon", zones="zones", columns=["hood"])
    with pytest.raises(TransformError, match=r"zone column\(s\) n already exist .*rename them with params.columns"):
        run(engine, "geo_zone", pts, {"zones": engine.from_arrow(ZONES.append_column("n", pa.array([0] * 7)))},
            lat="lat", lon="lon", zones="zones")
    text = engine.from_arrow(pa.table({"lat": ["1"], "lon": [1.0]}))
    with pytest.raises(TransformError, match=r"column 'lat' in params.lat is string, not a number"):
        run(engine, "geo_zone", text, zones, lat="lat", lon="lon", zones="zones")


BAD_PARAMS = [
    ("{lat: a, lon: b, zone: zones}", r"params\.zone: .*did you mean 'zones'"),
    ("{lat: a, lon: b}", r"params\.zones: .*required key 'zones' is missing"),
    ("{lat: a, lon: b, zones: z, columns: 3}", r"params\.columns: "),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMS, ids=[p for p, _ in BAD_PARAMS])
def test_bad_params_are_config_errors_naming_node_and_param(tmp_path, params, message):
    path = write_yaml_project(tmp_path, f"transformer: geo_zone\nparams: {params}")
    with pytest.raises(ConfigError) as info:
        Session(path)
    text = str(info.value)
    assert "node 'the_node', transformer 'geo_zone'" in text and text.startswith(f"{path}:"), text
    assert re.search(message, text), text
