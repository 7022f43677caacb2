"""window_calculation, generate_surrogate_key, detect_deletes and deduplicate (keep the latest),
with hand-computed answers, on both engines."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from odibi_core.errors import ConfigError
from odibi_core.session import Session
from odibi_core.transformers.builtin._common import TransformError
from odibi_core.transformers.registry import get_transformer
from tests.patterns.events_support import any_engine, frame, rows, run, schema, write_yaml_project  # noqa: F401

# --- window_calculation ------------------------------------------------------------------------

SALES = pa.table({
    "customer": ["c1", "c1", "c1", "c1", "c2", "c2"],
    "t": pa.array([1, 2, 3, 4, 1, 2], pa.int64()),
    "amount": pa.array([10, 20, None, 30, 5, 5], pa.int64()),
    "price": pa.array([1.5, 2.5, 3.0, 4.0, 1.0, 1.0], pa.float64()),
})


def by_customer_t(engine, out) -> dict[tuple, dict]:
    return {(r["customer"], r["t"]): r for r in rows(engine, out)}


def column(engine, out, name: str) -> list:
    return [r[name] for r in rows(engine, out, "customer", "t")]


def test_structured_window_functions(any_engine):
    out, _ = run(any_engine, "window_calculation", frame(any_engine, SALES), partition_by=["customer"],
                 order_by="t", calculations={
                     "running": {"fn": "sum", "column": "amount"},
                     "previous": {"fn": "lag", "column": "amount"},
                     "after_next": {"fn": "lead", "column": "amount", "offset": 2, "default": 0},
                     "rn": {"fn": "row_number"},
                     "biggest_first": {"fn": "rank", "order_by": "amount DESC"},
                     "dense": {"fn": "dense_rank", "order_by": ["amount"]},
                     "moving_avg": {"fn": "avg", "column": "amount", "frame": "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW"},
                     "rows_in_partition": {"fn": "count", "frame": "rows between unbounded preceding and "
                                                                  "unbounded following"},
                     "amounts_so_far": {"fn": "count", "column": "amount"},
                     "lowest_so_far": {"fn": "min", "column": "price"},
                 })
    # customer c1: amounts 10, 20, NULL, 30 at t 1..4; c2: 5, 5
    assert column(any_engine, out, "running") == [10, 30, 30, 60, 5, 10]
    assert column(any_engine, out, "previous") == [None, 10, 20, None, None, 5]
    assert column(any_engine, out, "after_next") == [None, 30, 0, 0, 0, 0]  # a NULL value is not a missing row
    assert column(any_engine, out, "rn") == [1, 2, 3, 4, 1, 2]
    assert column(any_engine, out, "biggest_first") == [3, 2, 4, 1, 1, 1]  # NULL sorts last
    assert column(any_engine, out, "dense") == [1, 2, 4, 3, 1, 1]
    assert column(any_engine, out, "moving_avg") == [10.0, 15.0, 20.0, 30.0, 5.0, 5.0]
    assert column(any_engine, out, "rows_in_partition") == [4, 4, 4, 4, 2, 2]
    assert column(any_engine, out, "amounts_so_far") == [1, 2, 2, 3, 1, 2]
    assert column(any_engine, out, "lowest_so_far") == [1.5, 1.5, 1.5, 1.5, 1.0, 1.0]
    types = schema(any_engine, out)
    assert all(types[c] == "int64" for c in ("rn", "biggest_first", "dense", "rows_in_partition", "amounts_so_far"))
    # an integer SUM stays BIGINT (DuckDB alone would say HUGEINT); the pandas engine reads an integer
    # column with NULLs as float64 (conformance known issue "pandas-logical-types"), and then it sums floats
    assert types["running"] == types["amount"]
    assert list(types)[:4] == ["customer", "t", "amount", "price"]


def test_sql_string_calculations_and_no_order(any_engine):
    out, _ = run(any_engine, "window_calculation", frame(any_engine, SALES), partition_by=["customer"],
                 calculations={"total_price": "SUM(price)", "most": {"fn": "max", "column": "amount"}})
    # no order: an aggregate covers the whole partition
    assert column(any_engine, out, "total_price") == [11.0, 11.0, 11.0, 11.0, 2.0, 2.0]
    assert column(any_engine, out, "most") == [30, 30, 30, 30, 5, 5]


def test_string_calculation_with_its_own_over(any_engine):
    out, _ = run(any_engine, "window_calculation", frame(any_engine, SALES),
                 calculations={"overall_rank": "DENSE_RANK() OVER (ORDER BY price DESC)"})
    assert column(any_engine, out, "overall_rank") == [4, 3, 2, 1, 5, 5]


def test_output_replaces_a_column_of_the_same_name(any_engine):
    out, _ = run(any_engine, "window_calculation", frame(any_engine, SALES), order_by="t, customer",
                 calculations={"amount": {"fn": "lag", "column": "amount"}})
    assert list(schema(any_engine, out)) == ["customer", "t", "price", "amount"]
    assert rows(any_engine, out, "t", "customer")[1]["amount"] == 10  # (t1, c2) follows (t1, c1)


def test_ranking_without_order_is_refused(engine):
    with pytest.raises(TransformError, match=r"calculations.rn uses row_number, which needs an order"):
        run(engine, "window_calculation", engine.from_arrow(SALES), calculations={"rn": {"fn": "row_number"}})


def test_unknown_column_in_a_calculation(engine):
    with pytest.raises(TransformError, match=r"column 'amout' .*in params.calculations.x.column not found"):
        run(engine, "window_calculation", engine.from_arrow(SALES), calculations={"x": {"fn": "sum",
                                                                                        "column": "amout"}})
    with pytest.raises(TransformError, match=r"column 'custmer' .*in params.calculations.x.partition_by not found"):
        run(engine, "window_calculation", engine.from_arrow(SALES),
            calculations={"x": {"fn": "sum", "column": "amount", "partition_by": ["custmer"]}})


WINDOW_BAD = [
    ("{calculations: {x: {fn: median, column: a}}}", r"params\.calculations\.x"),
    ("{calculations: {x: {fn: row_number, column: a}}}", r"row_number takes no 'column'"),
    ("{calculations: {x: {fn: sum}}}", r"sum needs 'column'"),
    ("{calculations: {x: {fn: sum, column: a, frame: 'ROWS 3; DROP TABLE t'}}}", r"frame must read ROWS\|RANGE"),
    ("{calculations: {x: {fn: lag, column: a, frame: 'ROWS BETWEEN 1 PRECEDING AND CURRENT ROW'}}}",
     r"lag takes no 'frame'"),
    ("{calculations: {x: {fn: sum, column: a, offset: 2}}}", r"'offset' and 'default' only apply to lag and lead"),
    ("{calculations: {}}", r"params\.calculations: "),
    ("{partition: [a], calculations: {x: 'SUM(a)'}}", r"params\.partition: .*did you mean 'partition_by'"),
]


@pytest.mark.parametrize(("params", "message"), WINDOW_BAD, ids=[p for p, _ in WINDOW_BAD])
def test_window_bad_params(tmp_path, params, message):
    _config_error(tmp_path, "window_calculation", params, message)


def _config_error(root, transformer: str, params: str, message: str) -> None:
    path = write_yaml_project(root, f"transformer: {transformer}\nparams: {params}")
    with pytest.raises(ConfigError) as info:
        Session(path)
    text = str(info.value)
    assert f"node 'the_node', transformer '{transformer}'" in text and text.startswith(f"{path}:"), text
    assert re.search(message, text), text


# --- generate_surrogate_key --------------------------------------------------------------------

KEYS = pa.table({
    "a": pa.array(["a", "ab", "a|", "a", None, "\\N", "x\\y"], pa.string()),
    "b": pa.array(["bc", "c", "b", "|b", "x", "x", None], pa.string()),
    "n": pa.array([1, -2, None, 3, 4, 5, 6], pa.int64()),
    "flag": pa.array([True, False, None, True, True, True, False]),
    "day": pa.array([dt.date(2024, 1, 5), None, dt.date(1969, 12, 31), dt.date(2024, 1, 5), dt.date(2024, 1, 5),
                     dt.date(2024, 1, 5), dt.date(2024, 1, 5)], pa.date32()),
    "ts": pa.array([dt.datetime(2024, 1, 5, 10, 30, 0, 250000), None, dt.datetime(1970, 1, 1), None, None, None,
                    None], pa.timestamp("us")),
    "price": pa.array([1.5, 2.0, None, 0.25, 1.0, 1.0, 1.0], pa.float64()),
    "row": pa.array(range(7), pa.int64()),
})
EPOCH = dt.datetime(1970, 1, 1)


def _text(v) -> str:
    """The documented key text of one value."""
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        v = "true" if v else "false"
    elif isinstance(v, float) and v == int(v):
        v = int(v)  # a whole float is hashed as the integer
    elif isinstance(v, dt.datetime):
        v = str((v - EPOCH) // dt.timedelta(microseconds=1))
    elif isinstance(v, dt.date):
        v = v.isoformat()
    return str(v).replace("\\", "\\\\").replace("|", "\\|")


def python_key(values, algorithm="md5") -> str:
    text = "|".join(_text(v) for v in values).encode("utf-8")
    return hashlib.md5(text).hexdigest() if algorithm == "md5" else hashlib.sha256(text).hexdigest()


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_surrogate_key_is_the_documented_hash(any_engine, algorithm):
    cols = ["a", "b", "n", "flag", "day", "ts", "price"]
    out, _ = run(any_engine, "generate_surrogate_key", frame(any_engine, KEYS), columns=cols, algorithm=algorithm,
                 output="sk")
    got = rows(any_engine, out, "row")
    for r, given in zip(got, KEYS.to_pylist()):  # expected from the input values (engines may retype outputs)
        assert r["sk"] == python_key([given[c] for c in cols], algorithm), given
    assert len(got[0]["sk"]) == (32 if algorithm == "md5" else 64)
    assert list(schema(any_engine, out)) == [*KEYS.column_names, "sk"]


def test_separator_and_null_cannot_collide(any_engine):
    out, _ = run(any_engine, "generate_surrogate_key", frame(any_engine, KEYS), columns=["a", "b"])
    keys = [r["surrogate_key"] for r in rows(any_engine, out, "row")]
    # (a,bc) vs (ab,c); (a|,b) vs (a,|b); (NULL,x) vs (\N,x): all different
    assert len(set(keys)) == len(keys)
    assert keys[0] == hashlib.md5(b"a|bc").hexdigest() and keys[4] == hashlib.md5(b"\\N|x").hexdigest()


def test_single_column_key_and_custom_separator(any_engine):
    out, _ = run(any_engine, "generate_surrogate_key", frame(any_engine, KEYS), columns=["n"])
    assert [r["surrogate_key"] for r in rows(any_engine, out, "row")][:3] == \
        [hashlib.md5(b"1").hexdigest(), hashlib.md5(b"-2").hexdigest(), hashlib.md5(b"\\N").hexdigest()]
    out, _ = run(any_engine, "generate_surrogate_key", frame(any_engine, KEYS), columns=["a", "b"], separator="~")
    assert rows(any_engine, out, "row")[2]["surrogate_key"] == hashlib.md5(b"a|~b").hexdigest()


def test_key_replaces_an_existing_column(any_engine):
    out, _ = run(any_engine, "generate_surrogate_key", frame(any_engine, KEYS), columns=["row"], output="a")
    assert list(schema(any_engine, out)) == [*KEYS.column_names[1:], "a"]


def test_unhashable_type_is_refused(engine):
    df = engine.from_arrow(pa.table({"blob": pa.array([b"x"], pa.binary())}))
    with pytest.raises(TransformError, match=r"column 'blob' in params.columns is binary"):
        run(engine, "generate_surrogate_key", df, columns=["blob"])


KEY_BAD = [
    ("{columns: []}", r"params\.columns: "),
    ("{columns: [a], algorithm: sha1}", r"params\.algorithm: .*'md5' or 'sha256'"),
    ("{columns: [a], separator: '||'}", r"params\.separator: .*exactly one character"),
    ("{columns: [a], outptu: k}", r"params\.outptu: .*did you mean 'output'"),
    ("{columns: a}", r"params\.columns: "),
]


@pytest.mark.parametrize(("params", "message"), KEY_BAD, ids=[p for p, _ in KEY_BAD])
def test_surrogate_key_bad_params(tmp_path, params, message):
    _config_error(tmp_path, "generate_surrogate_key", params, message)


# --- detect_deletes ----------------------------------------------------------------------------

AS_OF = dt.datetime(2024, 11, 2, 6, 0)
PREVIOUS = pa.table({"id": pa.array([1, 2, 3, None, 5], pa.int64()), "region": ["eu", "eu", "us", "eu", "us"],
                     "name": ["Ann", "Bob", "Cid", "Nul", "Eve"]})
CURRENT = pa.table({"id": pa.array([1, 3, None, 6], pa.int64()), "region": ["eu", "eu", "eu", "us"],
                    "name": ["Ann", "Cid", "Nul", "Fay"]})


def test_deleted_keys(any_engine):
    out, ctx = run(any_engine, "detect_deletes", frame(any_engine, CURRENT), {"prev": frame(any_engine, PREVIOUS)},
                   keys=["id"], previous="prev", as_of=AS_OF)
    assert rows(any_engine, out, "id") == [
        {"id": 2, "region": "eu", "name": "Bob", "is_deleted": True, "deleted_at": AS_OF},
        {"id": 5, "region": "us", "name": "Eve", "is_deleted": True, "deleted_at": AS_OF}]  # NULL id matched NULL
    assert ctx.metrics["deleted_rows"] == 2


def test_composite_keys(any_engine):
    out, _ = run(any_engine, "detect_deletes", frame(any_engine, CURRENT), {"prev": frame(any_engine, PREVIOUS)},
                 keys=["id", "region"], previous="prev", as_of=AS_OF, flag_column="gone", timestamp_column="seen_gone")
    assert [(r["id"], r["region"], r["gone"], r["seen_gone"]) for r in rows(any_engine, out, "id")] == \
        [(2, "eu", True, AS_OF), (3, "us", True, AS_OF), (5, "us", True, AS_OF)]


def test_flag_mode_chains_on_its_own_output(any_engine):
    day1, ctx1 = run(any_engine, "detect_deletes", frame(any_engine, CURRENT), {"prev": frame(any_engine, PREVIOUS)},
                     keys=["id"], previous="prev", mode="flag", as_of=AS_OF)
    assert [(r["id"], r["name"], r["is_deleted"], r["deleted_at"]) for r in rows(any_engine, day1, "id")] == [
        (1, "Ann", False, None), (2, "Bob", True, AS_OF), (3, "Cid", False, None), (5, "Eve", True, AS_OF),
        (6, "Fay", False, None), (None, "Nul", False, None)]
    assert ctx1.metrics["deleted_rows"] == 2
    # day 2: Bob comes back, Ann goes; Eve stays deleted with her first deletion time
    later = AS_OF + dt.timedelta(days=1)
    day2_source = pa.table({"id": pa.array([2, 3, None, 6], pa.int64()), "region": ["eu"] * 4,
                            "name": ["Bob", "Cid", "Nul", "Fay"]})
    day2, ctx2 = run(any_engine, "detect_deletes", frame(any_engine, day2_source), {"prev": day1}, keys=["id"],
                     previous="prev", mode="flag", as_of=later)
    assert [(r["id"], r["is_deleted"], r["deleted_at"]) for r in rows(any_engine, day2, "id")] == [
        (1, True, later), (2, False, None), (3, False, None), (5, True, AS_OF), (6, False, None), (None, False, None)]
    assert ctx2.metrics["deleted_rows"] == 1
    assert list(schema(any_engine, day2)) == ["id", "region", "name", "is_deleted", "deleted_at"]


def test_previous_read_on_the_first_and_second_run(tmp_path):
    """The node reads today's export and diffs it against its own previous output (flag mode)."""
    path = write_yaml_project(tmp_path, """
        transformer: detect_deletes
        params:
          keys: [id]
          mode: flag
          as_of: 2024-11-02T06:00:00
          previous_read: {connection: src, format: parquet, path: out/customers.parquet}
        write: {connection: src, format: parquet, path: out/customers.parquet, mode: overwrite}
        """, files={"src/events.csv": "id,name\n1,Ann\n2,Bob\n"})

    def run_once():
        session = Session(path)
        try:
            (result,) = session.run()
        finally:
            session.close()
        (node,) = result.nodes
        assert node.status == "success", node.error
        table = pq.read_table(tmp_path / "src" / "out" / "customers.parquet")
        return node, sorted(table.to_pylist(), key=lambda r: r["id"])

    node, out = run_once()
    assert node.metrics["deleted_rows"] == 0 and "missing" in node.metrics["previous_snapshot"]
    assert [(r["id"], r["is_deleted"]) for r in out] == [(1, False), (2, False)]
    (tmp_path / "src" / "events.csv").write_text("id,name\n2,Bob\n3,Cid\n", encoding="utf-8")
    node, out = run_once()
    assert node.metrics["deleted_rows"] == 1
    assert [(r["id"], r["name"], r["is_deleted"], r["deleted_at"]) for r in out] == [
        (1, "Ann", True, dt.datetime(2024, 11, 2, 6, 0)), (2, "Bob", False, None), (3, "Cid", False, None)]


def test_detect_deletes_errors(engine):
    cur = engine.from_arrow(CURRENT)
    with pytest.raises(TransformError, match=r"column 'id' in params.keys not found in the previous snapshot \(prev\)"):
        run(engine, "detect_deletes", cur, {"prev": engine.from_arrow(pa.table({"key": [1]}))}, keys=["id"],
            previous="prev")
    with pytest.raises(TransformError, match=r"params.previous names table 'prevv', which is not a dependency"):
        run(engine, "detect_deletes", cur, {"prev": engine.from_arrow(PREVIOUS)}, keys=["id"], previous="prevv")
    with pytest.raises(TransformError, match=r"params.previous_read.connection 'nowhere' is not a connection"):
        run(engine, "detect_deletes", cur, keys=["id"], previous_read={"connection": "nowhere", "path": "x.parquet"})


DELETES_BAD = [
    ("{keys: [id]}", r"exactly one of 'previous' .* or 'previous_read'"),
    ("{keys: [id], previous: a, previous_read: {connection: src, path: x.parquet}}", r"exactly one of"),
    ("{keys: [id], previous: a, mode: soft}", r"params\.mode: .*'deleted' or 'flag'"),
    ("{keys: [id], previous: a, as_of: yesterday}", r"params\.as_of: "),
    ("{keys: [id], previous_read: {connection: src, pth: x}}", r"params\.previous_read\.pth: .*did you mean 'path'"),
]


@pytest.mark.parametrize(("params", "message"), DELETES_BAD, ids=[p for p, _ in DELETES_BAD])
def test_detect_deletes_bad_params(tmp_path, params, message):
    _config_error(tmp_path, "detect_deletes", params, message)


# --- deduplicate keeps the latest --------------------------------------------------------------

def test_deduplicate_order_by_keeps_the_latest(any_engine):
    versions = pa.table({
        "order_id": pa.array([1, 1, 1, 2, 2, 3], pa.int64()),
        "status": ["placed", "shipped", "delivered", "placed", "cancelled", "placed"],
        "updated_at": pa.array([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 3),
                                dt.datetime(2024, 1, 1), None, None], pa.timestamp("us")),
    })
    out, _ = run(any_engine, "deduplicate", frame(any_engine, versions), keys=["order_id"], order_by="updated_at DESC")
    # the latest version per order; a NULL updated_at sorts last, so it never beats a dated version
    assert [(r["order_id"], r["status"]) for r in rows(any_engine, out, "order_id")] == \
        [(1, "delivered"), (2, "placed"), (3, "placed")]


# --- documentation -----------------------------------------------------------------------------

MINE = ["sessionize", "identity_stitch", "geo_zone", "detect_deletes", "window_calculation",
        "generate_surrogate_key"]


@pytest.mark.parametrize("name", MINE)
def test_registered_with_documented_params(name):
    spec = get_transformer(name)
    assert spec.builtin and spec.wants_context and not spec.kwargs_style
    assert f"transformer: {name}" in spec.description and "```yaml" in spec.description
    for field_name, field in spec.params_model.model_fields.items():
        assert field.description, f"{name}.{field_name} has no description"


def test_every_yaml_example_in_the_docs_validates():
    """The ```yaml blocks of docs/patterns.md's sections for these transformers are valid params."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "patterns.md").read_text(encoding="utf-8")
    checked = set()
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        title = section.split("\n", 1)[0].split()[0]
        if title not in MINE + ["deduplicate"]:
            continue
        for block in re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL):
            doc = yaml.safe_load(block)
            node = doc[0] if isinstance(doc, list) else doc
            get_transformer(node["transformer"]).validate_params(node["params"])
            checked.add(node["transformer"])
    assert checked == set(MINE) | {"deduplicate"}
