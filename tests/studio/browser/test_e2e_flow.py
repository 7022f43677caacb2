"""The Studio's main loop in a real browser: build a pipeline, save it, run it, find it, read its story.

Everything goes through the UI as a user would (widgets found by their ``key=``, tabs, links
and chart bars by their accessible names); the only side door is reading the saved odibi.yaml
(and running ``odibi validate`` on it) to check that what the UI claims really happened. The
pipeline reads the sample project's products.csv and writes a CSV to the lake, so the run is
real and quick.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.studio.browser.helpers import (
    assert_no_streamlit_exception,
    click_button,
    fill_text,
    fill_text_area,
    goto_page,
    heading,
    multiselect_only,
    select_option,
    set_checkbox,
    wait_idle,
    widget,
)

pytestmark = pytest.mark.browser

PIPELINE = "e2e_flow"
SQL = "SELECT product_id, unit_price * 2 AS double_price FROM df"
GREEN = "#16a34a"  # studio.ui.widgets.STATUS_COLORS["success"]
RUN_DONE = re.compile(r"^\S+\s+(success|failed|error|crashed|cancelled|partial|warning) · ")


def _editing(page, node: str | None = None) -> None:
    """The Builder still shows our pipeline (and ``node``, e.g. "2. e2e_priced") after an edit.

    Both pickers' labels may carry a problem count; what matters is that they did not move."""
    assert_no_streamlit_exception(page)
    pickers = [("bld_pipeline", "Pipeline", PIPELINE)] + ([("bld_node", "Node", node)] if node else [])
    for key, name, expected in pickers:
        shown = widget(page, key).get_by_role("combobox").input_value()
        assert re.match(rf"{re.escape(expected)}(\s|$)", shown), (
            f"the Builder's {name} picker jumped from {expected!r} to {shown!r} after an edit: its label "
            "(format_func) includes the problem count, so when the count changes the value the browser "
            "sends matches no option and the page falls back to the first one")


def _tab(page, name: str) -> None:
    """Show one tab of the node editor (client-side: no rerun)."""
    page.get_by_role("tab", name=name, exact=True).first.click()


def _build(page) -> None:
    goto_page(page, "Builder")
    select_option(page, "bld_pipeline", "➕ New pipeline…")
    fill_text(page, "bld_new_pipe", PIPELINE)
    click_button(page, "bld_create_pipe")
    _editing(page)

    # Node 1: read products.csv from the landing connection.
    fill_text(page, "bld_new_node", "e2e_products")
    click_button(page, "bld_add_node")
    _editing(page)
    _tab(page, "Source")
    _editing(page, "1. e2e_products")
    set_checkbox(page, "bn.0.read.on", True)
    _editing(page, "1. e2e_products")
    select_option(page, "bn.0.read.connection", "landing")
    select_option(page, "bn.0.read.format", "csv")
    fill_text(page, "bn.0.read.path", "products.csv")
    _editing(page, "1. e2e_products")

    # Node 2: depends on node 1 (the Builder wires it), one SQL step, written to the lake.
    fill_text(page, "bld_new_node", "e2e_priced")
    click_button(page, "bld_add_node")
    _editing(page)
    _tab(page, "Transform")
    _editing(page, "2. e2e_priced")
    click_button(page, "bn.1.add_step")  # the first step kind offered is SQL
    fill_text_area(page, "bn.1.s0.sql", SQL)
    _editing(page, "2. e2e_priced")
    _tab(page, "Write")
    set_checkbox(page, "bn.1.write.on", True)
    _editing(page, "2. e2e_priced")
    select_option(page, "bn.1.write.connection", "lake")
    _editing(page, "2. e2e_priced")
    select_option(page, "bn.1.write.format", "csv")
    fill_text(page, "bn.1.write.path", "e2e/priced.csv")
    _editing(page, "2. e2e_priced")

    yaml_panel = widget(page, "bld_yaml").locator("textarea").input_value()
    assert f"pipeline: {PIPELINE}" in yaml_panel and "e2e_priced" in yaml_panel  # the YAML follows the forms
    page.get_by_text(re.compile(r"^Valid: odibi validate accepts")).first.wait_for(timeout=5_000)


def _save(page, project) -> None:
    click_button(page, "bld_save")
    assert_no_streamlit_exception(page)
    page.get_by_text(re.compile(r"Saved odibi\.yaml")).first.wait_for()
    saved = yaml.safe_load((project / "odibi.yaml").read_text(encoding="utf-8"))
    pipes = {p["pipeline"]: p for p in saved["pipelines"]}
    assert {"bronze", "silver", "gold", PIPELINE} <= set(pipes), "saving dropped other pipelines"
    nodes = pipes[PIPELINE]["nodes"]
    assert [n["name"] for n in nodes] == ["e2e_products", "e2e_priced"]
    assert nodes[0]["read"] == {"connection": "landing", "format": "csv", "path": "products.csv"}
    assert nodes[1]["depends_on"] == ["e2e_products"]
    assert nodes[1]["transform"]["steps"] == [{"sql": SQL}]
    assert nodes[1]["write"]["connection"] == "lake" and nodes[1]["write"]["path"] == "e2e/priced.csv"
    check = subprocess.run([sys.executable, "-m", "odibi_core.cli.main", "validate", "odibi.yaml"], cwd=project,
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, f"odibi validate refuses the saved file:\n{check.stdout}{check.stderr}"


def _run(page) -> None:
    goto_page(page, "Run")
    multiselect_only(page, "run_pipelines", [PIPELINE])
    page.get_by_text(re.compile(rf"2 node\(s\) in {PIPELINE}")).first.wait_for()
    click_button(page, "run_start")
    done = page.locator("h3").filter(has_text=RUN_DONE).first
    done.wait_for(timeout=120_000)  # the run is a separate process; the page polls it every second
    wait_idle(page)
    assert_no_streamlit_exception(page)
    header = done.inner_text()
    assert " success · " in header and PIPELINE in header, header


def _history_bar(page) -> str:
    """Run history filtered to the pipeline shows one green bar; returns its run id."""
    goto_page(page, "Run history")
    select_option(page, "history_pipeline", PIPELINE)
    assert_no_streamlit_exception(page)
    chart = page.get_by_test_id("stVegaLiteChart")
    bars = chart.locator(f'path[aria-roledescription="bar"][aria-label*="pipeline: {PIPELINE};"]')
    bars.first.wait_for()
    assert bars.count() == 1, f"expected one bar for {PIPELINE}, got {bars.count()}"
    label = bars.first.get_attribute("aria-label")
    assert "status: success" in label, label
    assert bars.first.get_attribute("fill").lower() == GREEN, f"the bar is {bars.first.get_attribute('fill')}"
    run_id = re.search(r"run: (\S+)", label).group(1).rstrip(";")
    bars.first.hover()  # the duration shows on hover
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for()
    assert "duration" in tooltip.inner_text()
    return run_id


def _open_story(page, run_id: str) -> None:
    bar = page.get_by_test_id("stVegaLiteChart").locator(f'path[aria-roledescription="bar"][aria-label*="{run_id}"]')
    bar.first.click()
    page.wait_for_url(re.compile(rf"/stories\?run={re.escape(run_id)}"))
    heading(page, "Stories").first.wait_for()
    wait_idle(page)
    assert_no_streamlit_exception(page)
    main = page.get_by_test_id("stMain")
    assert PIPELINE in main.inner_text() and "success" in main.inner_text()
    story = page.frame_locator('[data-testid="stIFrame"]').first.locator("body")
    story.wait_for()
    text = story.inner_text()
    assert "e2e_products" in text and "e2e_priced" in text, "the HTML story does not name the run's nodes"
    assert run_id in text, f"the story shown is not the run {run_id} that was clicked"


def test_build_save_run_and_read_the_story(page, studio_server):
    _build(page)
    _save(page, studio_server.project)
    _run(page)
    run_id = _history_bar(page)
    _open_story(page, run_id)
