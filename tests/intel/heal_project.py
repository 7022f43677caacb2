"""A small real project whose nodes fail with SQL slips, for the auto-heal tests.

``orders.csv`` -> ``clean`` (a SQL step with a typo'd column), ``by_city`` (a sql_file with a
keyword typo) and ``big`` (a filter_rows condition naming a column that does not exist). The YAML
carries comments so tests can prove that accepting a fix keeps them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

ORDERS = "order_id,city,amount,status\n1,Lagos,10.5,delivered\n2,Accra,20.0,cancelled\n3,Lagos,7.25,delivered\n"

PROJECT = """\
# OdibiEats mini project (heal tests)
project: heal_demo
engine: pandas
connections:
  data: {type: local, base_path: ./data}
  lake: {type: local, base_path: ./lake}
story: {connection: lake, path: stories}
system: {connection: lake, path: _system}
auto_heal: {enabled: true, mode: suggest}
environments:
  dev: {auto_heal: {mode: apply}}
  prod: {auto_heal: {mode: apply}}
  stage: {production: true, auto_heal: {mode: apply}}
pipelines:
  - pipeline: main
    nodes:
      - name: clean
        read: {connection: data, format: csv, path: orders.csv}
        transform:
          steps:
            # keep delivered orders only
            - sql: SELECT order_id, city, amout FROM df WHERE status = 'delivered'
        write: {connection: lake, format: parquet, path: clean.parquet}
      - name: by_city
        depends_on: [clean]
        transform:
          steps:
            - sql_file: sql/by_city.sql
        write: {connection: lake, format: parquet, path: by_city.parquet}
      - name: big
        read: {connection: data, format: csv, path: orders.csv}
        transformer: filter_rows
        params: {condition: "amont > 8"}  # the threshold the business asked for
        write: {connection: lake, format: parquet, path: big.parquet}
"""

BY_CITY = "SELECT city, SUM(amount) AS revenue\nFORM clean\nGROUP BY city\n"


def make_project(root: Path, *, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "orders.csv").write_text(ORDERS)
    (root / "sql").mkdir(exist_ok=True)
    (root / "sql" / "by_city.sql").write_text(BY_CITY)
    (root / "odibi.yaml").write_text(PROJECT + textwrap.dedent(extra))
    return root / "odibi.yaml"
