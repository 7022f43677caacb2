"""The Auto-Heal page (AppTest): failed nodes, Propose, the proposal card, Accept / Reject, history, empty states."""

from __future__ import annotations

from pathlib import Path

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.heals import HealLog
from tests.intel.heal_project import BY_CITY, make_project
from tests.studio.conftest import assert_clean, run_project

PAGE = "heal.py"


@pytest.fixture
def failed_project(tmp_path) -> Path:
    """The heal project after a failing run (auto-heal off): nodes clean and big failed."""
    config = make_project(tmp_path / "p")
    config.write_text(config.read_text().replace("auto_heal: {enabled: true, mode: suggest}",
                                                 "auto_heal: {enabled: false}"))
    [result] = run_project(config, env=None)
    assert result.status == "failed"
    return config.parent


def heals(project: Path) -> list[dict]:
    cat = RunCatalog(project / "lake" / "_system")
    try:
        return HealLog(cat).list()
    finally:
        cat.close()


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def codes(at, language: str) -> list[str]:
    return [c.value for c in at.code if c.proto.language == language]


def history(at):
    """The history table: the page's last dataframe."""
    return at.dataframe[-1].value


def test_failed_nodes_are_listed_with_their_error(studio, failed_project):
    at = studio(failed_project, PAGE)
    assert_clean(at)
    assert at.title[0].value == "Auto-Heal"
    assert "Accept writes the fix into your project files" in texts(at.info)
    shown = texts(at.markdown)
    assert "**clean** · pipeline `main`" in shown and "**big** · pipeline `main`" in shown
    errors = codes(at, "text")
    assert any("amout" in e for e in errors) and any("amont" in e for e in errors)
    assert at.button(key="heal_propose_clean") and at.button(key="heal_propose_all")
    assert "No open proposals" in texts(at.caption)


def test_propose_then_accept_writes_the_yaml_and_keeps_comments(studio, failed_project):
    config = failed_project / "odibi.yaml"
    at = studio(failed_project, PAGE)
    at.button(key="heal_propose_clean").click().run()
    assert_clean(at)
    assert "**clean**: fix proposed" in texts(at.success)
    [h] = heals(failed_project)
    assert h["status"] == "proposed"
    [diff] = codes(at, "diff")
    assert "-" in diff and "amount" in diff and diff.strip() == h["diff"].strip()
    assert "`transform.steps[0].sql` of node `clean`" in texts(at.markdown)
    assert any(c.value.startswith("Validated:") for c in at.caption)
    assert "amout" in config.read_text()  # proposing changes no file

    at.button(key=f"heal_accept_{h['heal_id']}").click().run()
    assert_clean(at)
    text = config.read_text()
    assert "amout" not in text and "SELECT order_id, city, amount FROM df" in text
    assert "# keep delivered orders only" in text and "# the threshold the business asked for" in text
    ok = texts(at.success)
    assert f"Accepted heal `{h['heal_id']}`" in ok and "**odibi.yaml**" in ok
    assert not codes(at, "diff")  # the proposal left the open list
    table = history(at)
    assert list(table["status"]) == ["accepted"] and list(table["decided by"]) == ["Odibi Studio"]
    assert "was accepted" in texts(at.caption)  # the failed node says: run again to confirm


def test_propose_all_and_reject_one(studio, failed_project):
    at = studio(failed_project, PAGE)
    at.button(key="heal_propose_all").click().run()
    assert_clean(at)
    assert len(codes(at, "diff")) == 2
    big = next(h for h in heals(failed_project) if h["node"] == "big")
    before = (failed_project / "odibi.yaml").read_text()
    at.button(key=f"heal_reject_{big['heal_id']}").click().run()
    assert_clean(at)
    assert f"Rejected heal `{big['heal_id']}`" in texts(at.info)
    assert (failed_project / "odibi.yaml").read_text() == before
    assert len(codes(at, "diff")) == 1
    statuses = dict(zip(history(at)["node"], history(at)["status"]))
    assert statuses == {"big": "rejected", "clean": "proposed"}


def test_a_stale_proposal_is_refused_with_a_message(studio, failed_project):
    at = studio(failed_project, PAGE)
    at.button(key="heal_propose_clean").click().run()
    [h] = heals(failed_project)
    config = failed_project / "odibi.yaml"
    config.write_text(config.read_text().replace("amout FROM df", "amout, status FROM df"))
    at.button(key=f"heal_accept_{h['heal_id']}").click().run()
    assert_clean(at)
    assert "changed since heal" in texts(at.error)
    assert "amout, status FROM df" in config.read_text()
    assert heals(failed_project)[0]["status"] == "proposed"


def test_a_sql_file_fix_names_the_file(studio, failed_project):
    config = failed_project / "odibi.yaml"
    config.write_text(config.read_text().replace("amout FROM", "amount FROM").replace("amont > 8", "amount > 8"))
    [result] = run_project(config, env=None)
    assert {n.name: n.status for n in result.nodes}["by_city"] == "failed"
    at = studio(failed_project, PAGE)
    at.button(key="heal_propose_by_city").click().run()
    [h] = heals(failed_project)
    assert "`sql/by_city.sql`" in texts(at.markdown)
    at.button(key=f"heal_accept_{h['heal_id']}").click().run()
    assert_clean(at)
    assert "**sql/by_city.sql**" in texts(at.success)
    assert (failed_project / "sql" / "by_city.sql").read_text() != BY_CITY


def test_production_env_says_it_never_applies(studio, failed_project):
    at = studio(failed_project)
    at.sidebar.selectbox(key="env").select("prod").run()
    at.switch_page("../pages/heal.py").run()
    assert_clean(at)
    assert "Environment **prod** is production" in texts(at.warning)


def test_empty_states(studio, empty_project, tmp_path):
    at = studio(empty_project, PAGE)
    assert_clean(at)
    assert "No project here yet" in texts(at.info)
    fresh = make_project(tmp_path / "fresh").parent
    at = studio(fresh, PAGE)
    assert_clean(at)
    assert "No runs yet, so nothing has failed." in texts(at.info)
    assert not (fresh / "lake" / "_system" / "catalog.db").exists()


def test_no_failure_means_nothing_to_heal(studio, sample_project):
    at = studio(sample_project, PAGE)
    assert_clean(at)
    assert "nothing to heal" in texts(at.success)
    assert not [b for b in at.button if (b.key or "").startswith("heal_propose")]


def test_a_failure_without_a_fix_is_said_plainly(studio, failed_project):
    config = failed_project / "odibi.yaml"
    config.write_text(config.read_text().replace("city, amout FROM df", "city, xyzzy_quux FROM df"))
    run_project(config, env=None)
    at = studio(failed_project, PAGE)
    at.button(key="heal_propose_clean").click().run()
    assert_clean(at)
    warning = texts(at.warning)
    assert "**clean**:" in warning and "fix proposed" not in texts(at.success)
    assert not codes(at, "diff")  # nothing to review
    assert list(history(at)["status"]) == ["unhealed"]
    assert "xyzzy_quux" in config.read_text()
