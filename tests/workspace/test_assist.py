"""The Assist API of the Studio (workspace.assist) on real projects: heal overview, propose,
accept/reject, and questions with export, on the heal test project and the local-medallion template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from odibi_core.config.loader import load_project
from odibi_core.errors import OdibiError
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from odibi_core.workspace import Workspace, assist
from odibi_core.workspace.heal_review import HealConflict
from tests.intel.heal_project import BY_CITY, make_project
from tests.workspace.conftest import snapshot


def run(config: Path, env: str | None = None, **opts):
    session = Session(config, env=env)
    try:
        return session.run(RunOptions(**opts))
    finally:
        session.close()


@pytest.fixture
def failed(tmp_path) -> Workspace:
    """The heal project after one failing run with auto-heal off: clean and big failed, by_city skipped."""
    config = make_project(tmp_path / "p")
    config.write_text(config.read_text().replace("auto_heal: {enabled: true, mode: suggest}",
                                                 "auto_heal: {enabled: false}"))
    [result] = run(config)
    assert result.status == "failed"
    return Workspace(config)


@pytest.fixture(scope="module")
def shop_master(tmp_path_factory) -> Path:
    """local-medallion, run once in dev (every node succeeds); copied per test that writes."""
    from odibi_core.templates import create_project

    root = create_project(tmp_path_factory.mktemp("assist") / "shop", "local-medallion")
    results = run(root / "odibi.yaml", env="dev")
    assert {r.status for r in results} == {"success"}, [r.status for r in results]
    return root


@pytest.fixture
def shop(shop_master, tmp_path) -> Workspace:
    dest = tmp_path / "shop"
    shutil.copytree(shop_master, dest, symlinks=True)
    return Workspace(dest)


# --- auto-heal ----------------------------------------------------------------------------------------
def test_overview_lists_failed_nodes_with_their_error(failed):
    ov = assist.heal_overview(failed, None)
    assert ov.has_catalog and not ov.production and not ov.auto_heal_enabled
    assert [f["node"] for f in ov.failed] == ["clean", "big"]
    clean = ov.failed[0]
    assert clean["pipeline"] == "main" and clean["run_id"] and clean["started_at"]
    assert "amout" in clean["error"]
    assert ov.open == [] and ov.history == []


def test_overview_without_runs_creates_nothing(tmp_path):
    config = make_project(tmp_path / "fresh")
    before = snapshot(config.parent)
    ov = assist.heal_overview(Workspace(config), "dev")
    assert not ov.has_catalog and ov.failed == [] and ov.open == [] and ov.history == []
    assert ov.env == "dev" and ov.auto_heal_enabled and ov.auto_heal_mode == "apply"
    assert snapshot(config.parent) == before  # looking never writes a catalog
    with pytest.raises(OdibiError, match="nothing has run"):
        assist.propose_fixes(Workspace(config), "dev")


@pytest.mark.parametrize("env", ["prod", "stage"])
def test_production_is_flagged(failed, env):
    assert assist.heal_overview(failed, env).production


def test_propose_previews_and_logs_a_proposal_without_writing(failed):
    root = failed.root
    before = snapshot(root / "data"), failed.config_file.read_text(), (root / "sql" / "by_city.sql").read_text()
    outcome = assist.propose_fixes(failed, None, ["clean"])
    assert outcome.nodes == ["clean"]
    [attempt] = outcome.results[0].heal
    assert attempt["status"] == "proposed" and "amount" in attempt["after"]
    assert before == (snapshot(root / "data"), failed.config_file.read_text(),
                      (root / "sql" / "by_city.sql").read_text())
    assert not (root / "lake" / "clean.parquet").exists()  # a preview writes no output
    ov = assist.heal_overview(failed, None)
    [proposal] = ov.open
    assert proposal["heal_id"] == attempt["heal_id"] and proposal["node"] == "clean"
    assert proposal["location"] == "transform.steps[0].sql" and proposal["file"] is None
    assert proposal["diff"].count("\n-") >= 1 and "+" in proposal["diff"]
    assert isinstance(proposal["rejected"], list) and proposal["open"]
    assert ov.failed[0]["open_heals"] == 1  # the latest *run* still failed: only a run changes that
    assert [h["heal_id"] for h in ov.history] == [attempt["heal_id"]]


def test_propose_all_failed_nodes(failed):
    outcome = assist.propose_fixes(failed, None)
    assert outcome.nodes == ["clean", "big"]
    assert {a["node"]: a["status"] for a in outcome.attempts} == {"clean": "proposed", "big": "proposed"}
    assert sorted(h["node"] for h in assist.heal_overview(failed, None).open) == ["big", "clean"]


def test_accept_writes_the_yaml_keeping_comments_and_the_next_run_passes(failed):
    [attempt] = assist.propose_fixes(failed, None, ["clean"]).attempts
    done = assist.accept_fix(failed, None, attempt["heal_id"], by="tester")
    assert done.file == failed.config_file
    text = failed.config_file.read_text()
    assert "# keep delivered orders only" in text and "# the threshold the business asked for" in text
    assert "SELECT order_id, city, amount FROM df" in text and "amout" not in text
    ov = assist.heal_overview(failed, None)
    assert ov.open == []
    [h] = ov.history
    assert (h["status"], h["decided_by"]) == ("accepted", "tester") and h["decided_at"]
    with pytest.raises(OdibiError, match=r"(already|status is) accepted"):
        assist.accept_fix(failed, None, attempt["heal_id"])
    [result] = run(failed.config_file, pipelines=["main"], nodes=["clean"])
    assert result.status == "success"


def test_accept_a_sql_file_fix_and_refuse_a_stale_one(failed):
    sql = failed.root / "sql" / "by_city.sql"
    [clean] = assist.propose_fixes(failed, None, ["clean"]).attempts
    assist.accept_fix(failed, None, clean["heal_id"])
    [result] = run(failed.config_file)  # clean passes now; by_city runs and fails on its keyword typo
    assert {n.name: n.status for n in result.nodes}["by_city"] == "failed"
    [by_city] = assist.propose_fixes(failed, None, ["by_city"]).attempts
    assert by_city["file"] == "sql/by_city.sql"
    sql.write_text(BY_CITY.replace("revenue", "total"))  # someone edits the file meanwhile
    with pytest.raises(HealConflict, match="changed since"):
        assist.accept_fix(failed, None, by_city["heal_id"])
    sql.write_text(BY_CITY)
    done = assist.accept_fix(failed, None, by_city["heal_id"])
    assert done.file == sql and "FROM clean" in sql.read_text() and "FORM" not in sql.read_text()


def test_reject_leaves_the_files_alone(failed):
    [attempt] = assist.propose_fixes(failed, None, ["big"]).attempts
    before = failed.config_file.read_text()
    h = assist.reject_fix(failed, None, attempt["heal_id"], by="tester", note="the column is amont on purpose")
    assert (h["status"], h["decided_by"], h["note"]) == ("rejected", "tester", "the column is amont on purpose")
    assert failed.config_file.read_text() == before
    assert assist.heal_overview(failed, None).open == []
    with pytest.raises(OdibiError, match="no heal with id"):
        assist.reject_fix(failed, None, "h-nope")


# --- questions ------------------------------------------------------------------------------------------
def test_ask_a_question_over_the_gold_tables(shop):
    answer = assist.ask_question(shop, "dev", "total revenue by country")
    assert answer.ok, answer.error
    assert answer.source == "semantic"
    assert "revenue_by_country" in answer.sql
    assert answer.columns[0].lower() == "country"
    got = {row[0]: row[1] for row in answer.rows}
    assert got and all(isinstance(v, (int, float)) for v in got.values())


def test_cannot_answer_is_said_plainly(shop):
    answer = assist.ask_question(shop, "dev", "why is the sky blue")
    assert not answer.ok and answer.error.startswith("cannot answer") and answer.rows == []


def test_ask_session_keeps_the_scope_and_closes(shop):
    with assist.open_ask(shop, "dev") as s:
        assert {"daily_revenue", "revenue_by_country", "orders", "customers"} <= set(s.scope.tables)
        assert "country" in s.scope.tables["revenue_by_country"].columns
        assert "offline semantic parser" in s.engine_label
        first = s.ask("total revenue by country")
        second = s.ask("total revenue by country")
        assert first.rows == second.rows


def test_no_runs_means_an_empty_scope_and_a_clear_error(tmp_path):
    from odibi_core.templates import create_project

    root = create_project(tmp_path / "fresh", "local-medallion")
    before = snapshot(root)
    with assist.open_ask(Workspace(root), "dev") as s:
        assert s.scope.tables == {}
        with pytest.raises(OdibiError, match="no tables to ask about"):
            s.ask("total revenue by country")
    assert snapshot(root) == before


def test_export_writes_a_pipeline_file_the_project_can_import(shop):
    answer = assist.ask_question(shop, "dev", "total revenue by country")
    assert assist.default_export_name(answer.question) == "ask_total_revenue_by_country"
    done = assist.export_answer(shop, "dev", answer, "revenue_report")
    assert done.path == shop.root / "pipelines" / "revenue_report.yaml" and done.path.is_file()
    assert done.path.read_text() == done.yaml and done.import_line == "imports: [pipelines/revenue_report.yaml]"
    [pipe] = yaml.safe_load(done.yaml)["pipelines"]
    assert pipe["pipeline"] == "revenue_report" and pipe["layer"] == "gold"
    config = shop.config_file
    config.write_text(config.read_text() + f"\n{done.import_line}\n")
    loaded = load_project(config, env="dev")
    assert "revenue_report" in [p.pipeline for p in loaded.config.pipelines]
    with pytest.raises(OdibiError, match="exists already"):
        assist.export_answer(shop, "dev", answer, "revenue_report")
    with pytest.raises(OdibiError, match="not a valid pipeline name"):
        assist.export_answer(shop, "dev", answer, "../evil")
    unanswered = assist.ask_question(shop, "dev", "why is the sky blue")
    with pytest.raises(OdibiError, match="only an answered question"):
        assist.export_answer(shop, "dev", unanswered, "nope")
