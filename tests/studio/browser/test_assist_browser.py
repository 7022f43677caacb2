"""The Assist pages in a real browser: ask a question and see the table; heal a failed node and accept it.

The single Studio server serves a copy of the sample project (local-medallion, all nodes green).
For Auto-Heal the test appends a one-node pipeline with a misspelt column to that copy's odibi.yaml
and runs it (in this process, through a Session, as the CLI would), so the node fails; the page
must then propose and accept the fix through the UI. Afterwards odibi.yaml is restored byte for
byte, so the other browser tests see the project they expect (the extra failed run names a
pipeline and node that no longer exist, which no other test looks at).
"""

from __future__ import annotations

import re

import pytest

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.heals import HealLog
from tests.studio.browser.helpers import (
    act,
    assert_no_streamlit_exception,
    click_button,
    goto_page,
    save_screenshot,
    widget,
)
from tests.studio.conftest import run_project

pytestmark = pytest.mark.browser

QUESTION = "total revenue by country"
HEAL_PIPELINE = """\
  - pipeline: heal_check
    nodes:
      - name: product_prices
        read: {connection: landing, format: csv, path: products.csv}
        transform:
          steps:
            # a typo for auto-heal to fix
            - sql: SELECT product_id, unit_prise * 2 AS double_price FROM df
"""


def _ask(page, question: str) -> None:
    box = widget(page, "ask_input").locator("textarea")
    box.fill(question)
    act(page, lambda: box.press("Enter"))
    assert_no_streamlit_exception(page)


def test_ask_shows_the_sql_and_the_table(page):
    goto_page(page, "Ask")
    _ask(page, QUESTION)
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_test_id("stCode").first.wait_for()
    assert "revenue_by_country" in answer.get_by_test_id("stCode").first.inner_text()
    table = answer.get_by_test_id("stDataFrame").first
    table.wait_for()
    assert table.bounding_box()["height"] > 50, "the result table is not drawn"
    assert "offline semantic parser" in answer.inner_text()
    assert page.get_by_test_id("stChatMessage").first.inner_text().strip().endswith(QUESTION)
    # not "ask": test_screenshots.py saves every page under its title slug and runs after this file
    shot = save_screenshot(page, "ask_answer")
    assert shot.stat().st_size > 5_000


def _heals(project) -> list[dict]:
    cat = RunCatalog(project / "lake" / "_odibi_system")
    try:
        return HealLog(cat).list()
    finally:
        cat.close()


def test_auto_heal_proposes_and_accepts_a_fix(page, studio_server):
    project = studio_server.project
    config = project / "odibi.yaml"
    original = config.read_text()
    assert original.rstrip().endswith("mode: overwrite}")  # the gold pipeline ends the file: append a pipeline
    try:
        config.write_text(original.rstrip("\n") + "\n" + HEAL_PIPELINE)
        [result] = run_project(config, pipelines=["heal_check"])
        assert result.status == "failed" and "unit_prise" in (result.nodes[0].error or "")

        goto_page(page, "Auto-Heal")
        main = page.get_by_test_id("stMain")
        assert "Accept writes the fix into your project files" in main.inner_text()
        assert "unit_prise" in main.inner_text()  # the failed node's error is shown
        click_button(page, "heal_propose_product_prices", timeout=90_000)
        assert_no_streamlit_exception(page)
        [heal] = [h for h in _heals(project) if h["status"] == "proposed"]
        card = widget(page, f"heal_card_{heal['heal_id']}")
        card.wait_for()
        assert "transform.steps[0].sql" in card.inner_text()
        diff = card.get_by_test_id("stCode").nth(1).inner_text()
        assert "unit_prise" in diff and "unit_price" in diff
        save_screenshot(page, "auto_heal_proposal")

        click_button(page, f"heal_accept_{heal['heal_id']}")
        assert_no_streamlit_exception(page)
        done = page.get_by_test_id("stAlertContentSuccess").filter(has_text=re.compile(r"Accepted heal"))
        done.first.wait_for()
        assert "odibi.yaml" in done.first.inner_text()
        fixed = config.read_text()
        assert "unit_prise" not in fixed and "SELECT product_id, unit_price * 2 AS double_price FROM df" in fixed
        assert "# a typo for auto-heal to fix" in fixed  # round-trip: comments stay
        assert [h["status"] for h in _heals(project) if h["heal_id"] == heal["heal_id"]] == ["accepted"]
        page.get_by_test_id("stDataFrame").last.wait_for()  # the history table
        shot = save_screenshot(page, "auto_heal")
        assert shot.stat().st_size > 5_000
    finally:
        config.write_text(original)  # heal_check leaves the project; its failed run names no current node
