"""A small multi-pipeline project that exercises everything an orchestrator generator renders.

Shared by the ``odibi generate`` tests (every target), so one fixture covers:

* two pipelines, ``bronze`` and ``silver``, both with a ``schedule:`` and pipeline ``tags``;
* a cross-pipeline edge through ``inputs: {raw: $bronze.orders_typed}``;
* ``depends_on`` edges inside a pipeline;
* a storage-inferred edge (``silver.customers`` reads the Delta path ``bronze.raw_customers``
  writes, without declaring it);
* node ``tags``, a node-level ``retry`` overriding the project one, a disabled node;
* ``env.dev.yaml`` / ``env.prod.yaml`` overlays (dev turns retries off, prod changes the lake).

The project really runs on pandas (small CSV files, local Delta), so a generated task's
``odibi run --node`` command can be executed end to end.
"""

from __future__ import annotations

from pathlib import Path

SCHEDULE = "0 6 * * *"

# Graph the YAML below must produce (enabled nodes only): task -> upstream tasks.
EXPECTED_UPSTREAM: dict[str, set[str]] = {
    "raw_orders": set(),
    "raw_customers": set(),
    "orders_typed": {"raw_orders"},
    "orders": {"orders_typed"},
    "customers": {"raw_customers"},
    "customer_orders": {"orders", "customers"},
}
DISABLED = ("legacy_dump",)
PIPELINES = {"bronze": ("raw_orders", "raw_customers", "orders_typed"),
             "silver": ("orders", "customers", "customer_orders")}

_PROJECT = """\
# Sample project for the `odibi generate` tests.
project: {name}
engine: pandas
description: Orders and customers, raw CSV to a joined silver table.
owner: data-team

connections:
  landing: {{type: local, base_path: ./data}}
  lake: {{type: local, base_path: ./lake}}

story: {{connection: lake, path: _stories, max_sample_rows: 5, retention_days: 7, retention_count: 10}}
system: {{connection: lake, path: _odibi_system}}

retry: {{enabled: true, max_attempts: 2, backoff: exponential, initial_delay: 5}}

pipelines:
  - pipeline: bronze
    layer: bronze
    description: Raw files into Delta.
    tags: [ingest]
    schedule: "{bronze_schedule}"
    nodes:
      - name: raw_orders
        description: Every order, as delivered.
        tags: [raw, orders]
        retry: {{enabled: true, max_attempts: 4, backoff: constant, initial_delay: 30}}
        read: {{connection: landing, format: csv, path: orders.csv}}
        write: {{connection: lake, format: delta, path: bronze/orders, mode: overwrite}}
      - name: raw_customers
        tags: [raw]
        read: {{connection: landing, format: csv, path: customers.csv}}
        write: {{connection: lake, format: delta, path: bronze/customers, mode: overwrite}}
      - name: orders_typed
        depends_on: [raw_orders]
        transform:
          steps:
            - sql: "SELECT order_id, customer_id, CAST(total AS DOUBLE) AS total FROM df"
        write: {{connection: lake, format: delta, path: bronze/orders_typed, mode: overwrite}}
      - name: legacy_dump
        enabled: false
        read: {{connection: landing, format: csv, path: orders.csv}}
        write: {{connection: lake, format: delta, path: bronze/legacy, mode: overwrite}}

  - pipeline: silver
    layer: silver
    description: Cleaned and joined.
    tags: [curated]
{silver_schedule_line}    nodes:
      - name: orders
        inputs: {{raw: $bronze.orders_typed}}
        transform:
          steps:
            - sql: "SELECT * FROM raw WHERE total >= 0"
        write: {{connection: lake, format: delta, path: silver/orders, mode: overwrite}}
      - name: customers
        read: {{connection: lake, format: delta, path: bronze/customers}}
        write: {{connection: lake, format: delta, path: silver/customers, mode: overwrite}}
      - name: customer_orders
        description: Orders with the customer's name.
        tags: [reporting]
        depends_on: [orders, customers]
        transform:
          steps:
            - sql: |
                SELECT o.order_id, o.total, c.name
                FROM orders o JOIN customers c ON o.customer_id = c.customer_id
        write: {{connection: lake, format: delta, path: silver/customer_orders, mode: overwrite}}
"""

_ENV_DEV = """\
# Development: no retries, fast feedback.
retry: {enabled: false}
"""

_ENV_PROD = """\
# Production: a separate lake and more retries.
connections:
  lake: {type: local, base_path: ./lake_prod}
retry: {enabled: true, max_attempts: 3, backoff: exponential, initial_delay: 60}
production: true
"""

_ORDERS = "order_id,customer_id,total\n1,10,12.5\n2,11,7.0\n3,10,30.25\n"
_CUSTOMERS = "customer_id,name\n10,Ada\n11,Grace\n"


def build_sample(root: Path, *, name: str = "shop", bronze_schedule: str = SCHEDULE,
                 silver_schedule: str | None = SCHEDULE) -> Path:
    """Write the sample project under ``root`` and return its ``odibi.yaml``.

    Give ``silver_schedule`` a different cron (or None) to get pipelines whose schedules
    disagree (or where only one pipeline has one).
    """
    root = Path(root)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "orders.csv").write_text(_ORDERS, encoding="utf-8")
    (root / "data" / "customers.csv").write_text(_CUSTOMERS, encoding="utf-8")
    line = f'    schedule: "{silver_schedule}"\n' if silver_schedule else ""
    config = root / "odibi.yaml"
    config.write_text(_PROJECT.format(name=name, bronze_schedule=bronze_schedule, silver_schedule_line=line),
                      encoding="utf-8")
    (root / "env.dev.yaml").write_text(_ENV_DEV, encoding="utf-8")
    (root / "env.prod.yaml").write_text(_ENV_PROD, encoding="utf-8")
    return config
