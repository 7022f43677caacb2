"""The ``drift:`` block: strict keys with located "did you mean" errors, defaults, project-level merging."""

from __future__ import annotations

import pytest

from odibi_core.config.loader import load_project
from odibi_core.config.models.drift import DriftConfig, effective_drift
from odibi_core.errors import ConfigError
from tests.helpers import write_project


def node(**drift):
    n = {"name": "people", "read": {"connection": "src", "format": "csv", "path": "people.csv"}}
    if drift:
        n["drift"] = drift
    return n


def load(tmp_path, node_drift=None, **top):
    path = write_project(tmp_path, [{"pipeline": "p", "nodes": [node(**(node_drift or {}))]}], **top)
    return load_project(path, environ={})


def test_unknown_key_under_drift_names_file_line_and_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, {"row_count": {"z_treshold": 3}})
    text = str(err.value)
    assert text.startswith(f"{tmp_path / 'odibi.yaml'}:")
    line = int(text.split(":")[1])
    assert "z_treshold" in (tmp_path / "odibi.yaml").read_text().splitlines()[line - 1]
    assert "pipelines[0].nodes[0].drift.row_count.z_treshold" in text
    assert "did you mean 'z_threshold'" in text


def test_unknown_top_key_and_bad_values_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"drift\.shcema: unknown key 'shcema' \(did you mean 'schema'\?\)"):
        load(tmp_path, {"shcema": {"enabled": False}})
    with pytest.raises(ConfigError, match=r"drift\.schema\.fail_on: .*'none', 'removed' or 'any'"):
        load(tmp_path, {"schema": {"fail_on": "sometimes"}})
    with pytest.raises(ConfigError, match=r"drift\.row_count\.z_threshold: .*greater than 0"):
        load(tmp_path, {"row_count": {"z_threshold": 0}})
    with pytest.raises(ConfigError, match=r"drift\.row_count\.min_runs: min_runs \(9\) must not exceed window"):
        load(tmp_path, {"row_count": {"min_runs": 9, "window": 5}})
    with pytest.raises(ConfigError, match=r"drift\.row_count\.window: must be a number"):
        load(tmp_path, {"row_count": {"window": True}})


def test_defaults_and_node_overrides_of_project_defaults(tmp_path):
    loaded = load(tmp_path, {"row_count": {"window": 10}},
                  drift={"row_count": {"z_threshold": 5, "pct_threshold": 20}, "schema": {"fail_on": "removed"}})
    cfg = loaded.config
    eff = effective_drift(cfg.drift, cfg.pipelines[0].nodes[0].drift)
    assert eff.enabled and eff.row_count.window == 10 and eff.row_count.z_threshold == 5
    assert eff.row_count.pct_threshold == 20 and eff.schema_drift.fail_on == "removed"
    assert eff.row_count.min_runs == 7

    plain = effective_drift(None, None)
    assert (plain.row_count.z_threshold, plain.row_count.pct_threshold, plain.row_count.window,
            plain.row_count.min_runs, plain.schema_drift.fail_on) == (3.5, 50.0, 30, 7, "none")


def test_node_can_switch_drift_off_and_levels_that_clash_are_capped():
    off = effective_drift(DriftConfig.model_validate({"row_count": {"z_threshold": 2}}),
                          DriftConfig.model_validate({"enabled": False}))
    assert not off.enabled and off.row_count.z_threshold == 2
    capped = effective_drift(DriftConfig.model_validate({"row_count": {"min_runs": 20}}),
                             DriftConfig.model_validate({"row_count": {"window": 10}}))
    assert capped.row_count.window == 10 and capped.row_count.min_runs == 10


def test_json_schema_documents_the_drift_keys():
    from odibi_core.config.json_schema import project_json_schema

    defs = project_json_schema()["$defs"]
    rc = defs["RowCountDriftConfig"]["properties"]
    assert rc["z_threshold"]["default"] == 3.5 and "MAD" in rc["z_threshold"]["description"]
    assert "schema" in defs["DriftConfig"]["properties"]
