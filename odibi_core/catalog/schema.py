"""The run catalog's tables and indexes (schema version in ``meta``).

Kept apart from the store so the shape of the history is readable in one place. Dates are
ISO-8601 UTC text with milliseconds (``2026-11-03T10:15:00.123+00:00``): fixed width, so text
order is time order and the indexes below serve "newest first" listings directly.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

DDL = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        project TEXT,
        pipeline TEXT NOT NULL,
        env TEXT,
        engine TEXT,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        duration_s REAL,
        nodes_total INTEGER NOT NULL DEFAULT 0,
        nodes_success INTEGER NOT NULL DEFAULT 0,
        nodes_failed INTEGER NOT NULL DEFAULT 0,
        nodes_skipped INTEGER NOT NULL DEFAULT 0,
        rows_written INTEGER,
        story_json TEXT,
        story_html TEXT,
        config_file TEXT,
        error TEXT,
        warnings_count INTEGER NOT NULL DEFAULT 0,
        layer TEXT,
        dry_run INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS node_runs (
        run_id TEXT NOT NULL,
        node TEXT NOT NULL,
        pipeline TEXT,
        status TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        duration_s REAL,
        attempts INTEGER,
        rows_in INTEGER,
        rows_out INTEGER,
        rows_written INTEGER,
        error TEXT,
        suggestion TEXT,
        write_target TEXT,
        seq INTEGER NOT NULL DEFAULT 0,
        error_type TEXT,
        skipped_reason TEXT,
        write_mode TEXT,
        write_version INTEGER,
        PRIMARY KEY (run_id, node)
    )""",
    """CREATE TABLE IF NOT EXISTS schema_snapshots (
        run_id TEXT NOT NULL,
        node TEXT NOT NULL,
        columns_json TEXT NOT NULL,
        schema_hash TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        PRIMARY KEY (run_id, node)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_runs_started ON runs (started_at DESC)",
    "CREATE INDEX IF NOT EXISTS ix_runs_pipeline_started ON runs (pipeline, started_at DESC)",
    "CREATE INDEX IF NOT EXISTS ix_runs_status_started ON runs (status, started_at DESC)",
    "CREATE INDEX IF NOT EXISTS ix_node_runs_node_started ON node_runs (node, started_at DESC)",
    "CREATE INDEX IF NOT EXISTS ix_schema_node_captured ON schema_snapshots (node, captured_at DESC)",
)
