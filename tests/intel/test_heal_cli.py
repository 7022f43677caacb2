"""``odibi heal``: preview proposals, apply in dev only, list, accept into the YAML, reject."""

from __future__ import annotations

import json

import pytest

from odibi_core.cli.main import main
from tests.intel.heal_project import make_project


def _cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def failed_project(tmp_path, capsys):
    """The heal project after one failing `odibi run` (auto-heal off), so its catalog knows what failed."""
    config = make_project(tmp_path / "p")
    config.write_text(config.read_text().replace("auto_heal: {enabled: true, mode: suggest}",
                                                 "auto_heal: {enabled: false}"))
    code, _, _ = _cli(capsys, "run", str(config))
    assert code == 1
    return config


def _proposals(capsys, config, *extra):
    code, out, err = _cli(capsys, "heal", str(config), "--json", *extra)
    return code, json.loads(out), err


def test_heal_previews_every_failed_node_and_writes_nothing(failed_project, capsys):
    lake = failed_project.parent / "lake"
    before = sorted(p.name for p in lake.iterdir())
    code, data, _ = _proposals(capsys, failed_project)
    assert code == 0
    assert data["nodes"] == ["clean", "big"]  # by_city was skipped, not failed
    by_node = {a["node"]: a for a in data["attempts"]}
    assert by_node["clean"]["status"] == "proposed" and "amount" in by_node["clean"]["after"]
    assert by_node["big"]["location"] == "params.condition"
    assert sorted(p.name for p in lake.iterdir()) == before  # no output, no new files
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--list")
    assert code == 0 and by_node["clean"]["heal_id"] in out and by_node["big"]["heal_id"] in out


def test_heal_named_node_including_a_sql_file(failed_project, capsys):
    code, data, _ = _proposals(capsys, failed_project, "--node", "by_city")
    # by_city needs clean in memory: clean's fix is proposed too, and by_city's own SQL still
    # fails in the preview (clean did not produce rows), so by_city is reported as not healed yet
    assert code in (0, 1)
    assert data["nodes"] == ["by_city"]


def test_accept_writes_the_fix_into_the_yaml_keeping_comments_then_the_run_passes(failed_project, capsys):
    code, data, _ = _proposals(capsys, failed_project, "--node", "clean")
    [attempt] = [a for a in data["attempts"] if a["node"] == "clean"]
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--accept", attempt["heal_id"])
    assert code == 0, out
    text = failed_project.read_text()
    assert "amout" not in text and attempt["after"] in text
    assert "# keep delivered orders only" in text and "# the threshold the business asked for" in text
    assert text.startswith("# OdibiEats mini project (heal tests)\n")
    code, _, err = _cli(capsys, "heal", str(failed_project), "--accept", attempt["heal_id"])
    assert code == 2 and "already accepted" in err
    code, _, _ = _cli(capsys, "run", str(failed_project), "--node", "clean")
    assert code == 0


def test_accept_of_a_sql_file_fix_rewrites_that_file(failed_project, capsys, tmp_path):
    # make clean pass so by_city's sql_file is the failure being healed
    failed_project.write_text(failed_project.read_text().replace("amout", "amount"))
    code, _, _ = _cli(capsys, "run", str(failed_project))
    code, data, _ = _proposals(capsys, failed_project, "--node", "by_city")
    assert code == 0
    [attempt] = [a for a in data["attempts"] if a["node"] == "by_city"]
    assert attempt["file"] == "sql/by_city.sql"
    yaml_before = failed_project.read_text()
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--accept", attempt["heal_id"])
    assert code == 0, out
    assert "FROM clean" in (failed_project.parent / "sql" / "by_city.sql").read_text()
    assert failed_project.read_text() == yaml_before


def test_accept_refuses_when_the_sql_changed_since(failed_project, capsys):
    code, data, _ = _proposals(capsys, failed_project, "--node", "clean")
    heal_id = next(a["heal_id"] for a in data["attempts"] if a["node"] == "clean")
    failed_project.write_text(failed_project.read_text().replace("amout FROM df", "amout, status FROM df"))
    edited = failed_project.read_text()
    code, _, err = _cli(capsys, "heal", str(failed_project), "--accept", heal_id)
    assert code == 2 and "changed since" in err and "Traceback" not in err
    assert failed_project.read_text() == edited


def test_reject_and_unknown_ids(failed_project, capsys):
    code, data, _ = _proposals(capsys, failed_project, "--node", "big")
    heal_id = next(a["heal_id"] for a in data["attempts"] if a["node"] == "big")
    assert _cli(capsys, "heal", str(failed_project), "--reject", heal_id)[0] == 0
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--list", "--json")
    assert heal_id not in out
    code, _, err = _cli(capsys, "heal", str(failed_project), "--accept", heal_id)
    assert code == 2 and "rejected" in err
    code, _, err = _cli(capsys, "heal", str(failed_project), "--accept", "h-nope")
    assert code == 2 and "no heal with id 'h-nope'" in err


def test_apply_runs_for_real_in_dev_and_is_refused_in_prod(failed_project, capsys):
    code, _, err = _cli(capsys, "heal", str(failed_project), "--apply", "--env", "prod")
    assert code == 2 and "refused in production" in err and "Traceback" not in err
    assert not (failed_project.parent / "lake" / "clean.parquet").exists()
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--apply", "--env", "dev", "--node", "clean")
    assert code == 0, out
    assert (failed_project.parent / "lake" / "clean.parquet").exists()
    assert "amout" in failed_project.read_text()  # applied in memory only


def test_unknown_node_is_a_clear_error(failed_project, capsys):
    code, _, err = _cli(capsys, "heal", str(failed_project), "--node", "clen")
    assert code == 2 and "did you mean 'clean'" in err


def test_nothing_to_heal(tmp_path, capsys):
    config = make_project(tmp_path / "ok")
    text = config.read_text().replace("amout", "amount").replace("FORM", "FROM").replace("amont", "amount")
    config.write_text(text)
    (tmp_path / "ok" / "sql" / "by_city.sql").write_text("SELECT city, SUM(amount) AS revenue FROM clean GROUP BY city\n")
    assert _cli(capsys, "run", str(config))[0] == 0
    code, out, _ = _cli(capsys, "heal", str(config))
    assert code == 0 and "nothing to heal" in out


def test_accepting_the_newest_proposal_settles_older_ones_for_the_same_sql(failed_project, capsys):
    _, first, _ = _proposals(capsys, failed_project, "--node", "clean")
    _, second, _ = _proposals(capsys, failed_project, "--node", "clean")
    old_id = next(a["heal_id"] for a in first["attempts"] if a["node"] == "clean")
    new_id = next(a["heal_id"] for a in second["attempts"] if a["node"] == "clean")
    assert _cli(capsys, "heal", str(failed_project), "--accept", new_id)[0] == 0
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--list", "--json")
    assert old_id not in out and new_id not in out
    code, out, _ = _cli(capsys, "heal", str(failed_project), "--list", "--all", "--json")
    statuses = {h["heal_id"]: h["status"] for h in json.loads(out)}
    assert statuses[old_id] == "superseded" and statuses[new_id] == "accepted"
