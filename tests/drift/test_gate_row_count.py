"""``validation.gate.row_count`` (Odibi's key) sets the same row-count thresholds as ``drift.row_count``."""

from __future__ import annotations

import textwrap

import pytest

from odibi_core.config.loader import load_project
from odibi_core.drift.annotate import settings_for
from odibi_core.errors import ConfigError
from odibi_core.graph import Graph

PROJECT = """
project: p
connections: {lake: {type: local, base_path: ./lake}}
story: {connection: lake, path: s}
system: {connection: lake, path: sys}
drift: {row_count: {z_threshold: 5, window: 20}}
pipelines:
  - pipeline: a
    nodes:
      - name: n
        read: {connection: lake, format: csv, path: x.csv}
        drift: {row_count: {pct_threshold: 80, window: 10}}
        validation:
          gate: {row_count: {%s}}
"""


def _settings(tmp_path, gate: str):
    f = tmp_path / "odibi.yaml"
    f.write_text(textwrap.dedent(PROJECT % gate))
    loaded = load_project(f)
    return settings_for(loaded.config.drift, Graph.build(loaded))("n").row_count


def test_gate_row_count_overrides_drift_key_by_key(tmp_path):
    rc = _settings(tmp_path, "z_threshold: 2.5, min_runs: 3")
    assert (rc.z_threshold, rc.min_runs, rc.pct_threshold, rc.window) == (2.5, 3, 80, 10)


def test_without_gate_the_drift_blocks_apply(tmp_path):
    f = tmp_path / "odibi.yaml"
    f.write_text(textwrap.dedent(PROJECT % "z_threshold: 1").replace("        validation:\n          gate: {row_count: {z_threshold: 1}}\n", ""))
    loaded = load_project(f)
    rc = settings_for(loaded.config.drift, Graph.build(loaded))("n").row_count
    assert (rc.z_threshold, rc.pct_threshold, rc.window) == (5, 80, 10)


def test_unknown_gate_row_count_key_is_a_located_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        _settings(tmp_path, "z_treshold: 2")
    text = str(err.value)
    assert "odibi.yaml:14" in text and "gate.row_count.z_treshold" in text and "z_threshold" in text
