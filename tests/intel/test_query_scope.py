"""Which tables a question may use: node outputs the catalog saw written, opened lazily, profiled once.

Real projects in tmp_path, run with a real Session (pandas engine, Delta, csv, parquet, jsonl and
SQLite outputs); nothing is mocked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from odibi_core.errors import OdibiError
from odibi_core.intel.query import scope as scope_mod
from odibi_core.intel.query.scope import MAX_VALUES, build_scope
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from odibi_core.templates import create_project
from tests.helpers import write_project


def make_shop(root: Path, *, extra_yaml: str = "", run: bool = True) -> Path:
    """The local-medallion template as a project under ``root/shop``, run once in dev (7 Delta outputs)."""
    project = create_project(root / "shop", "local-medallion")
    config = project / "odibi.yaml"
    if extra_yaml:
        config.write_text(config.read_text(encoding="utf-8") + "\n" + extra_yaml, encoding="utf-8")
    if run:
        session = Session(config, env="dev")
        try:
            results = session.run(RunOptions())
        finally:
            session.close()
        assert all(r.status == "success" for r in results), [(r.pipeline, r.status) for r in results]
    return config


def scope_of(config: Path, env: str | None = "dev", **kwargs):
    session = Session(config, env=env)
    try:
        return build_scope(session.loaded, session.engine, session.catalog, **kwargs)
    finally:
        session.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return make_shop(tmp_path_factory.mktemp("scope"))


def test_scope_has_every_written_output_with_schema_values_and_counts(shop):
    scope_mod.clear_cache()
    scope = scope_of(shop)
    assert list(scope.tables) == ["raw_customers", "raw_orders", "raw_products", "customers", "orders",
                                  "daily_revenue", "revenue_by_country"]
    assert scope.skipped == []
    orders = scope.tables["orders"]
    assert orders.columns == {"order_id": "int64", "customer_id": "int64", "order_date": "date", "status": "string",
                              "product_id": "string", "quantity": "int32", "total": "float64", "band": "string"}
    assert sorted(orders.values["status"]) == ["cancelled", "delivered", "placed", "shipped"]
    assert orders.values["status"][0] == "placed"  # the most frequent value first (3 placed orders)
    assert "total" not in orders.values  # numbers are measures, not categories
    assert orders.row_count == 8 and orders.layer == "silver" and orders.node == "orders"
    assert scope.tables["raw_orders"].description == "Every daily order file; re-running adds nothing new."
    assert scope.tables["revenue_by_country"].values == {"country": ["GB", "US"]}
    assert scope.schemas()["daily_revenue"] == {"order_date": "date", "orders": "int64", "revenue": "float64",
                                                "currency": "string"}


def test_delta_outputs_open_as_lazy_datasets_at_their_latest_version(shop):
    scope = scope_of(shop)
    source = scope.source("customers")
    assert isinstance(source, ds.Dataset)  # nothing read until it is scanned
    assert source.to_table().num_rows == 5  # the Delta log's view: the upsert's replaced files are not counted
    assert scope.read_configs["customers"].model_dump(exclude_none=True, exclude_defaults=True) == \
        {"connection": "lake", "format": "delta", "path": "silver/customers"}
    with pytest.raises(OdibiError, match="unknown table 'custmers'.*did you mean 'customers'"):
        scope.source("custmers")


def test_tables_narrow_the_scope_and_unknown_names_are_refused(shop):
    scope = scope_of(shop, tables=["orders", "customers"])
    assert list(scope.tables) == ["orders", "customers"]
    with pytest.raises(OdibiError, match="unknown table 'order'.*did you mean 'orders'"):
        scope_of(shop, tables=["order"])


def test_profile_false_gives_schemas_and_counts_without_values(shop):
    scope_mod.clear_cache()
    scope = scope_of(shop, profile=False)
    assert scope.tables["orders"].values == {} and scope.tables["orders"].row_count == 8
    assert scope_of(shop).tables["orders"].values["band"] == ["small", "large"]  # profiled on demand


def test_profiles_are_cached_per_data_version_and_refreshed_by_a_new_write(tmp_path):
    config = make_shop(tmp_path)
    scope_mod.clear_cache()
    first = scope_of(config)
    cached = dict(scope_mod._cache)
    assert len(cached) == 7
    second = scope_of(config)
    assert dict(scope_mod._cache) == cached and all(scope_mod._cache[k] is v for k, v in cached.items())
    assert second.tables["orders"].values == first.tables["orders"].values
    # a third order file lands and bronze + silver run again: the orders' Delta version moves on
    landing = config.parent / "data/landing/orders"
    (landing / "2024-03-03.csv").write_text("order_id,customer_id,order_date,status,product_id,quantity\n"
                                           "1009,2,2024-03-03,returned,P1,1\n", encoding="utf-8")
    session = Session(config, env="dev")
    try:
        session.run(RunOptions(pipelines=["bronze"]))
    finally:
        session.close()
    third = scope_of(config)
    assert third.tables["raw_orders"].row_count == 9
    assert "returned" in third.tables["raw_orders"].values["status"]
    assert third.tables["orders"].row_count == 8  # silver did not run again: same version, same profile


ROWS = "\n".join(f"{i},{'city' + str(i % 20)},{'code' + str(i % 30)},{'big' if i % 3 else 'small'}"
                 for i in range(120))
MIXED_CSV = "id,city,code,size\n" + ROWS + "\n"


def _mixed_project(root: Path) -> Path:
    def node(name, write):
        return {"name": name, "read": {"connection": "src", "format": "csv", "path": "things.csv"}, "write": write}

    files = [
        node("as_csv", {"connection": "lake", "format": "csv", "path": "out/things.csv",
                        "options": {"delimiter": ";"}}),
        node("as_parquet", {"connection": "lake", "format": "parquet", "path": "out/things_parquet"}),
        node("as_jsonl", {"connection": "lake", "format": "jsonl", "path": "out/things.jsonl"}),
        node("as_sqlite", {"connection": "db", "table": "things"}),
        {"name": "broken", "read": {"connection": "src", "format": "csv", "path": "missing.csv"},
         "write": {"connection": "lake", "format": "csv", "path": "out/broken.csv"}},
        {"name": "not_written", "depends_on": ["as_csv"]},
    ]
    later = [node("later", {"connection": "lake", "format": "csv", "path": "out/later.csv"})]
    return write_project(root, [{"pipeline": "files", "layer": "silver", "nodes": files},
                                {"pipeline": "later", "nodes": later}],
                         files={"src/things.csv": MIXED_CSV},
                         connections={"src": {"type": "local", "base_path": "./src"},
                                         "lake": {"type": "local", "base_path": "./lake"},
                                      "db": {"type": "sqlite", "path": "lake/out.db"}})


def test_every_output_format_is_in_scope_and_only_what_ran_successfully(tmp_path):
    config = _mixed_project(tmp_path)
    session = Session(config)
    try:
        session.run(RunOptions(pipelines=["files"]))
    finally:
        session.close()
    scope_mod.clear_cache()
    scope = scope_of(config, env=None)
    # broken failed, not_written has no write target, later never ran
    assert sorted(scope.tables) == ["as_csv", "as_jsonl", "as_parquet", "as_sqlite"]
    for name in scope.tables:
        info = scope.tables[name]
        assert info.row_count == 120 and set(info.columns) == {"id", "city", "code", "size"}, name
        assert info.columns["id"] == "int64" and info.columns["city"] == "string", name
        assert len(info.values["city"]) == MAX_VALUES  # 20 distinct (<= 25): the 12 most frequent kept
        assert "code" not in info.values  # 30 distinct: not a category
        assert info.values["size"] == ["big", "small"]
        source = scope.source(name)
        assert (source.to_table() if isinstance(source, ds.Dataset) else source).num_rows == 120, name
    assert isinstance(scope.source("as_parquet"), ds.Dataset)
    assert isinstance(scope.source("as_csv"), pa.Table)  # read as the pipeline reads it: ';' delimiter and all
    assert scope.read_configs["as_csv"].options == {"delimiter": ";"}
    assert scope.read_configs["as_sqlite"].format == "sql"


def test_outputs_that_cannot_be_opened_are_skipped_with_a_reason(tmp_path):
    config = _mixed_project(tmp_path)
    session = Session(config)
    try:
        session.run(RunOptions(pipelines=["files"]))
    finally:
        session.close()
    shutil.rmtree(config.parent / "lake/out/things_parquet")
    (config.parent / "lake/out/things.jsonl").write_text("{not json\n", encoding="utf-8")
    scope_mod.clear_cache()
    scope = scope_of(config, env=None)
    assert sorted(scope.tables) == ["as_csv", "as_sqlite"]
    reasons = dict(s.split(": ", 1) for s in scope.skipped)
    assert sorted(reasons) == ["as_jsonl", "as_parquet"]
    assert "not found" in reasons["as_parquet"]
    assert "things.jsonl" in reasons["as_jsonl"]


def test_a_project_that_never_ran_has_an_empty_scope(tmp_path):
    config = make_shop(tmp_path, run=False)
    scope = scope_of(config)
    assert scope.tables == {} and scope.skipped == []


def test_a_scope_over_arrow_tables_in_memory_is_profiled_the_same_way():
    table = pa.table({"city": ["Lagos", "Accra", "Lagos", None], "amount": [1.0, 2.0, 3.0, 4.0]})
    scope = scope_mod.QueryScope.from_arrow({"gold_orders": table, "lazy": ds.dataset(table)})
    for name in ("gold_orders", "lazy"):
        info = scope.tables[name]
        assert info.columns == {"city": "string", "amount": "float64"} and info.row_count == 4
        assert info.values == {"city": ["Lagos", "Accra"]}
    assert scope.source("gold_orders") is table
