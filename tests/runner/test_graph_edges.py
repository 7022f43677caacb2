"""Edges the graph infers: a node that reads what another writes runs after it."""

from __future__ import annotations

from odibi_core.config import load_project
from odibi_core.graph import Graph
from tests.helpers import write_project


def _graph(tmp_path, pipelines):
    return Graph.build(load_project(write_project(tmp_path, pipelines)))


def test_read_after_write_edge_across_pipelines_and_globs(tmp_path):
    g = _graph(tmp_path, [
        {"pipeline": "bronze", "nodes": [
            {"name": "w1", "read": {"connection": "src", "path": "a.csv"},
             "write": {"connection": "lake", "path": "bronze/orders.parquet"}},
            {"name": "w2", "read": {"connection": "src", "path": "b.csv"},
             "write": {"connection": "lake", "format": "delta", "path": "./bronze/items/"}}]},
        {"pipeline": "silver", "nodes": [
            {"name": "r1", "read": {"connection": "lake", "path": "bronze/*.parquet"}},
            {"name": "r2", "read": {"connection": "lake", "format": "delta", "path": "bronze/items"}},
            {"name": "other", "read": {"connection": "src", "path": "bronze/items/x.csv"}}]},
    ])
    assert g.nodes["r1"].implicit_upstream == ["w1"]
    assert g.nodes["r2"].implicit_upstream == ["w2"]
    assert g.nodes["other"].upstream == []  # same path, different connection: no edge
    assert g.levels() == [["w1", "w2", "other"], ["r1", "r2"]]


def test_a_node_reading_its_own_target_has_no_self_edge(tmp_path):
    g = _graph(tmp_path, [{"pipeline": "p", "nodes": [
        {"name": "inc", "read": {"connection": "lake", "format": "delta", "path": "t"},
         "write": {"connection": "lake", "format": "delta", "path": "t", "mode": "append"}}]}])
    assert g.nodes["inc"].upstream == []
