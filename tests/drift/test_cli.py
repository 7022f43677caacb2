"""``odibi drift`` (show, pin, unpin) through the real CLI entry point, in-process."""

from __future__ import annotations

import json

import pytest

from odibi_core.cli.main import main
from tests.drift.test_run_drift import make, run


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("ODIBI_ENV", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    path = make(tmp_path)
    run(path, 10)
    run(path, 10)
    run(path, 40)  # +300 %: an anomaly
    return path


def odibi(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_table_json_and_exit_codes(project, capsys):
    code, out, err = odibi(capsys, "drift", project)
    assert code == 0, err
    assert "people" in out and "+300.0% / 50%" in out and "pct_change" in out and "not pinned" in out
    assert "1 node(s) drifted: people" in out

    code, out, _ = odibi(capsys, "drift", project, "--fail-on-drift")
    assert code == 1

    code, out, _ = odibi(capsys, "drift", "show", project, "--node", "people", "--pipeline", "p", "--json")
    assert code == 0
    [d] = json.loads(out)
    assert d["node"] == "people" and d["anomaly"] is True and d["rows"]["rows"] == 40
    assert d["rows"]["reference"] == 10 and d["schema_previous"]["drifted"] is False and d["baseline"] is None


def test_steady_project_passes_fail_on_drift(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ODIBI_ENV", raising=False)
    path = make(tmp_path)
    run(path, 10)
    run(path, 11)
    code, out, _ = odibi(capsys, "drift", path, "--fail-on-drift")
    assert code == 0 and "no drift" in out


def test_bad_input_exits_2_with_a_clear_message(project, tmp_path, capsys):
    code, _, err = odibi(capsys, "drift", project, "--node", "peopel")
    assert code == 2 and "unknown node 'peopel' in the project (did you mean 'people'?)" in err
    code, _, err = odibi(capsys, "drift", project, "--pipeline", "q")
    assert code == 2 and "unknown pipeline 'q'" in err and "Traceback" not in err

    fresh = make(tmp_path / "fresh")
    code, _, err = odibi(capsys, "drift", fresh)
    assert code == 2 and "no runs yet" in err
    assert not (tmp_path / "fresh" / "lake" / "_system" / "catalog.db").exists()  # looking created nothing


def test_pin_and_unpin(project, capsys):
    code, out, err = odibi(capsys, "drift", "pin", project, "--node", "people")
    assert code == 0, err
    assert "pinned people: 3 column(s) from run" in out
    _, out, _ = odibi(capsys, "drift", project, "--json")
    baseline = json.loads(out)[0]["baseline"]
    assert baseline is not None

    runs_json = odibi(capsys, "runs", project, "--json")[1]
    oldest = json.loads(runs_json)[-1]["run_id"]
    code, out, _ = odibi(capsys, "drift", "pin", project, "-n", "people", "--run", oldest)
    assert code == 0 and oldest in out
    _, out, _ = odibi(capsys, "drift", project, "--json")
    assert json.loads(out)[0]["baseline"]["run_id"] == oldest

    code, _, err = odibi(capsys, "drift", "pin", project, "-n", "people", "--run", "nope")
    assert code == 2 and "no run with id 'nope'" in err

    assert odibi(capsys, "drift", "unpin", project, "--node", "people")[0] == 0
    code, _, err = odibi(capsys, "drift", "unpin", project, "--node", "people")
    assert code == 2 and "has no pinned baseline" in err


def test_help_lists_the_subcommands(capsys):
    code, out, _ = odibi(capsys, "drift", "--help")
    assert code == 0 and "pin" in out and "unpin" in out and "show" in out
    code, out, _ = odibi(capsys, "drift", "show", "--help")
    assert code == 0 and "--fail-on-drift" in out
