"""Drift: schema changes and row-count anomalies of node outputs, against run history.

The same detection serves three places: a run (findings go into the story), ``odibi drift``
and the Studio's Drift page. It sits above the catalog (it reads history) and below the
session (which calls it during a run).
"""

from odibi_core.drift.annotate import annotate_runs, settings_for
from odibi_core.drift.detect import NodeDrift, detect_node, detect_nodes, row_count_series, successful_runs
from odibi_core.drift.project import project_drift, select_nodes
from odibi_core.drift.row_count import RowCountCheck, check_row_count, median_abs_deviation, pct_change, robust_z
from odibi_core.drift.schema import SchemaChange, SchemaDrift, compare, diff_schemas

__all__ = [
    "NodeDrift", "RowCountCheck", "SchemaChange", "SchemaDrift", "annotate_runs", "check_row_count", "compare",
    "detect_node", "detect_nodes", "diff_schemas", "median_abs_deviation", "pct_change", "project_drift", "robust_z",
    "row_count_series", "select_nodes", "settings_for", "successful_runs",
]
