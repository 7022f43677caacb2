/**
 * The transformers built into odibi, for completion when the `odibi` CLI cannot be run (not installed,
 * or the project does not load yet). The CLI's own list wins whenever it is available, since it also
 * knows the project's custom functions. tests/vscode/test_extension.py checks this list against the
 * Python registry, so a transformer added there without being added here fails the build.
 */

import type { TransformerEntry } from "./types";

export const BUILTIN_TRANSFORMERS: readonly TransformerEntry[] = [
  {
    name: "aggregate",
    description: "One row per `group_by` value with the `aggregations`; output sorted by the group columns.",
    params: ["group_by", "aggregations"],
  },
  {
    name: "cast_columns",
    description: "Cast the named columns in place; other columns and the column order are unchanged.",
    params: ["columns", "try_cast"],
  },
  {
    name: "deduplicate",
    description: "Keep one row per `keys` value (NULL keys count as one value), chosen by `order_by`.",
    params: ["keys", "order_by"],
  },
  {
    name: "derive_columns",
    description: "Add columns (at the end) or replace existing ones (in place, keeping the column order).",
    params: ["columns"],
  },
  {
    name: "detect_deletes",
    description: "Rows whose key was in the previous snapshot and is not in the current frame.",
    params: ["keys", "previous", "previous_read", "mode", "flag_column", "timestamp_column", "as_of"],
  },
  {
    name: "drop_columns",
    description: "Remove `columns`; the others keep their order. An unknown name is an error.",
    params: ["columns"],
  },
  {
    name: "fill_nulls",
    description: "Replace NULLs (and NaN in pandas float columns) with literal values; other columns unchanged.",
    params: ["values"],
  },
  {
    name: "filter_rows",
    description: "Keep the rows where `condition` is true; a NULL result drops the row, as in SQL WHERE.",
    params: ["condition"],
  },
  {
    name: "generate_surrogate_key",
    description: "Add `output`: the md5 or sha256 hex digest of `columns`, identical on DuckDB and Spark.",
    params: ["columns", "output", "algorithm", "separator"],
  },
  {
    name: "geo_zone",
    description: "Add the columns of the zone that covers each point; NULL when no zone does.",
    params: ["lat", "lon", "zones", "zone_id_column", "wkt_column", "columns"],
  },
  {
    name: "identity_stitch",
    description: "Map anonymous ids to known ids from login events and back-fill the known id.",
    params: ["anonymous_id", "known_id", "timestamp", "event_type_column", "login_types", "output", "resolved_column"],
  },
  {
    name: "join",
    description: "Join `df` (left) with the dependency table `right`.",
    params: ["right", "on", "how", "select", "suffix"],
  },
  {
    name: "merge",
    description: "MERGE the current frame into the Delta table `target` on `keys`; returns the frame unchanged.",
    params: ["target", "connection", "path", "keys", "strategy", "update_condition", "insert_condition", "delete_condition", "audit_columns", "missing_columns", "partition_by", "checkpoint"],
  },
  {
    name: "rename_columns",
    description: "Rename columns in place. Unknown old names and clashing new names are errors.",
    params: ["mapping"],
  },
  {
    name: "scd2",
    description: "Record the snapshot in the SCD2 history at `target`; returns the whole history.",
    params: ["target", "connection", "path", "keys", "tracked_columns", "effective_time", "valid_from", "valid_to", "is_current", "open_end", "close_out_missing", "partition_by"],
  },
  {
    name: "select_columns",
    description: "Keep only `columns`, in that order. An unknown name is an error, not a silent skip.",
    params: ["columns"],
  },
  {
    name: "sessionize",
    description: "Group each key's events into sessions separated by more than `gap` of inactivity.",
    params: ["key", "timestamp", "gap", "mode", "event_type_column", "conversion_event_type", "columns"],
  },
  {
    name: "union",
    description: "Stack `df` and `tables`. By name, the result has every column seen, in first-seen order.",
    params: ["tables", "by_name", "distinct"],
  },
  {
    name: "window_calculation",
    description: "Add one column per calculation, computed over a window of rows.",
    params: ["partition_by", "order_by", "calculations"],
  },
];
