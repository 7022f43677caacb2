"""Run stories: file naming, self-contained and escaped HTML, masking, sample limits, size, retention."""

from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.errors import OdibiError
from odibi_core.story import apply_retention, load_story, render_html, write_story
from tests.story.factory import big_run, node, run

UTC = dt.timezone.utc


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- paths and naming ---------------------------------------------------------------------------
def test_story_paths_come_from_pipeline_and_utc_start(tmp_path):
    json_path, html_path = write_story(run(started_at="2026-11-03T01:15:30.250+02:00"), tmp_path, max_sample_rows=5)
    assert json_path == tmp_path / "silver_sales" / "2026-11-02" / "run_23-15-30.json"
    assert html_path == json_path.with_suffix(".html")
    story = load_story(json_path)
    assert story["run_id"] == "20261103T101530-abcd1234"
    assert story["story_json"] == str(json_path) and story["story_html"] == str(html_path)
    assert [n["name"] for n in story["nodes"]] == ["load_orders", "clean_orders"]
    assert story["edges"] == [["load_orders", "clean_orders"]]
    assert load_story(html_path)["run_id"] == story["run_id"]  # the html path finds its json


def test_same_second_runs_get_numbered_names(tmp_path):
    paths = [write_story(run(run_id=f"r{i}"), tmp_path, max_sample_rows=5) for i in range(3)]
    names = [p[0].name for p in paths]
    assert names == ["run_10-15-30.json", "run_10-15-30_2.json", "run_10-15-30_3.json"]
    assert [load_story(p[0])["run_id"] for p in paths] == ["r0", "r1", "r2"]
    assert all(p[1].exists() for p in paths)


def test_same_second_writers_in_parallel_never_overwrite(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda i: write_story(run(run_id=f"r{i}"), tmp_path, max_sample_rows=1), range(16)))
    assert len({p[0] for p in paths}) == 16
    assert sorted(load_story(p[0])["run_id"] for p in paths) == sorted(f"r{i}" for i in range(16))
    assert not [f for f in _files(tmp_path) if f.endswith(".tmp")]


def test_pipeline_name_cannot_escape_the_story_root(tmp_path):
    json_path, _ = write_story(run(pipeline="../../etc"), tmp_path / "stories", max_sample_rows=1)
    assert (tmp_path / "stories") in json_path.parents


def test_failed_html_write_leaves_no_story(tmp_path, monkeypatch):
    # Injected failure (no real way to make rendering fail): nothing half-written may remain.
    import odibi_core.story.writer as writer

    def boom(story):
        raise RuntimeError("render failed")

    monkeypatch.setattr(writer, "render_html", boom)
    with pytest.raises(RuntimeError):
        write_story(run(), tmp_path, max_sample_rows=5)
    assert _files(tmp_path) == []


def test_load_story_errors_name_the_file(tmp_path):
    with pytest.raises(OdibiError, match="not found"):
        load_story(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{truncated", encoding="utf-8")
    with pytest.raises(OdibiError, match="bad.json"):
        load_story(bad)


# --- the HTML page ------------------------------------------------------------------------------
def test_html_is_self_contained(tmp_path):
    nr = node("clean_orders", status="failed", error="see https://example.com/help for details")
    _, html_path = write_story(run([node("load_orders"), nr]), tmp_path, max_sample_rows=5)
    page = html_path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and "@import" not in page and "fetch(" not in page
    assert re.search(r"<script\s+src", page) is None
    assert "<style>" in page and "<script>" in page  # CSS and JS are inline


def test_everything_is_escaped(tmp_path):
    bad = node("clean_orders", status="failed", error="boom <script>alert('x')</script>",
               suggestion="use <b>bold</b> & \"quotes\"", sql=["SELECT '<img src=x onerror=alert(1)>' FROM df"],
               sample=0)
    bad.sample = [{"<th>col": "<script>alert(2)</script>", "ok": 1}]
    bad.warnings = ["</details><script>alert(3)</script>"]
    page = render_html_of(run([node("load_orders"), bad]), tmp_path)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert "boom &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;th&gt;col" in page and "&lt;/details&gt;&lt;script&gt;alert(3)" in page
    assert page.count("<script") == 1  # only the page's own inline script


def render_html_of(result, root: Path) -> str:
    _, html_path = write_story(result, root, max_sample_rows=10)
    return html_path.read_text(encoding="utf-8")


def test_failed_node_shows_error_and_suggestion_in_a_red_box(tmp_path):
    bad = node("clean_orders", status="failed", error="column amount_x not found", error_type="BinderException",
               suggestion="check the column name against schema in")
    page = render_html_of(run([node("load_orders"), bad], status="failed"), tmp_path)
    box = re.search(r'<div class="err">(.*?)</div>', page, re.S).group(1)
    assert "BinderException" in box and "column amount_x not found" in box and "check the column name" in box
    assert re.search(r'<details class="node s-failed" id="n-clean_orders" data-status="failed" open>', page)
    assert '<span class="badge s-failed big">failed</span>' in page  # run status in the header


def test_node_section_shows_schema_changes_tests_write_and_sql(tmp_path):
    page = render_html_of(run(), tmp_path)
    assert re.search(r'<tr class="added"><td>amount_eur</td>', page)
    assert re.search(r'<tr class="removed"><td>legacy_flag</td>', page)
    assert "amount_range" in page and "3 / 1,180" in page and ">warn<" in page
    assert "lake/silver/clean_orders" in page and "overwrite" in page
    assert "SELECT *, amount * 0.93 AS amount_eur FROM df -- clean_orders" in page
    assert "dedup_removed" in page
    for key in ("project", "run id", "env", "engine", "started (UTC)", "duration"):
        assert f"<b>{key}</b>" in page


def test_small_graph_is_an_svg_with_one_box_per_node_and_external_upstreams(tmp_path):
    nodes = [node("a"), node("b", depends_on=["a"]), node("c", depends_on=["a", "b"])]
    result = run(nodes, edges=[("a", "b"), ("a", "c"), ("b", "c"), ("bronze_sales.raw", "a")])
    page = render_html_of(result, tmp_path)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count("<rect") == 4 and svg.count("marker-end=") == 4
    assert 'class="s-external"' in svg and "bronze_sales.raw" in svg
    xs = {m[1]: int(m[0]) for m in re.findall(r'<rect x="(\d+)" y="\d+"[^>]*/><text[^>]*>([^<]+)<', svg)}
    assert xs["bronze_sales.raw"] < xs["a"] < xs["b"] < xs["c"]  # one column per topological level


def test_sample_masked_is_said(tmp_path):
    page = render_html_of(run([node("load_orders", sample_masked=True)]), tmp_path)
    assert re.search(r"Sample \(3 rows\) <span[^>]*>masked</span>", page)


# --- masking and sample limits ------------------------------------------------------------------
def test_secrets_are_masked_in_both_files(tmp_path):
    secret = "hunter2-Sup3rS3cret"
    secrets.register(secret)
    bad = node("clean_orders", status="failed", error=f"login failed for password {secret}",
               suggestion=f"rotate {secret}", sql=[f"SELECT '{secret}' AS x"])
    bad.sample = [{"customer": f"token={secret}", "note": "plain"}, {secret: "column named after it"}]
    bad.warnings = [f"retry with {secret}"]
    result = run([node("load_orders", write_target=f"abfss://x:{secret}@acct/lake"), bad])
    result.warnings = [f"connection string Pwd={secret}"]
    json_path, html_path = write_story(result, tmp_path, max_sample_rows=10)
    for path in (json_path, html_path):
        text = path.read_text(encoding="utf-8")
        assert secret not in text, path
        assert "***" in text
    story = load_story(json_path)
    assert story["nodes"][1]["error"] == "login failed for password ***"
    assert story["nodes"][1]["sample"][0]["customer"] == "token=***"
    assert story["nodes"][1]["sample"][0]["note"] == "plain"


def test_samples_are_cut_to_max_sample_rows(tmp_path):
    result = run([node("load_orders", sample=25)])
    json_path, html_path = write_story(result, tmp_path, max_sample_rows=4)
    assert len(load_story(json_path)["nodes"][0]["sample"]) == 4
    page = html_path.read_text(encoding="utf-8")
    assert page.count("customer load_orders ") == 4 and "Sample (4 rows)" in page
    assert len(result.nodes[0].sample) == 25  # the caller's result is not modified

    json0, html0 = write_story(result, tmp_path, max_sample_rows=0)
    assert load_story(json0)["nodes"][0]["sample"] == []
    assert "customer load_orders" not in html0.read_text(encoding="utf-8")


def test_200_node_story_stays_under_2_mb(tmp_path):
    result = big_run(200, sample=10)
    json_path, html_path = write_story(result, tmp_path, max_sample_rows=10)
    size = html_path.stat().st_size
    assert size < 2 * 1024 * 1024, f"{size / 1024:.0f} KB"
    page = html_path.read_text(encoding="utf-8")
    assert "<svg" not in page and '<ol class="levels">' in page  # big graphs are a level list
    assert page.count('<details class="node') == 200
    assert len(json.loads(json_path.read_text(encoding="utf-8"))["nodes"]) == 200
    assert "level 19" in page and "level 20" not in page  # chains of 20 -> 20 levels


def test_render_html_accepts_a_story_without_nodes():
    page = render_html({"run_id": "r", "pipeline": "p", "status": "success", "nodes": [], "edges": []})
    assert "No nodes were selected" in page


# --- retention ----------------------------------------------------------------------------------
def _write_at(root: Path, when: dt.datetime, pipeline: str = "silver_sales") -> tuple[Path, Path]:
    return write_story(run(started_at=when.isoformat(), pipeline=pipeline), root, max_sample_rows=1)


def test_retention_by_count_keeps_the_newest(tmp_path):
    base = dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    written = [_write_at(tmp_path, base + dt.timedelta(hours=12 * i)) for i in range(5)]
    same_second = _write_at(tmp_path, base + dt.timedelta(hours=48))  # run_08-00-00_2: newest of all
    other = _write_at(tmp_path, base, pipeline="gold_sales")
    deleted = apply_retention(tmp_path, "silver_sales", retention_days=None, retention_count=2,
                              now=base + dt.timedelta(days=3))
    assert sorted(deleted) == sorted(p for pair in written[:4] for p in pair)
    assert written[4][0].exists() and same_second[0].exists() and same_second[1].exists()
    assert other[0].exists()  # other pipelines are not touched
    assert sorted(d.name for d in (tmp_path / "silver_sales").iterdir()) == ["2026-11-03"]  # empty days removed


def test_retention_by_days(tmp_path):
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    old = _write_at(tmp_path, now - dt.timedelta(days=40))
    edge = _write_at(tmp_path, now - dt.timedelta(days=29, hours=23))
    new = _write_at(tmp_path, now - dt.timedelta(hours=1))
    deleted = apply_retention(tmp_path, "silver_sales", retention_days=30, retention_count=100, now=now)
    assert sorted(deleted) == sorted(old)
    assert edge[0].exists() and new[1].exists() and not old[0].parent.exists()
    assert apply_retention(tmp_path, "silver_sales", retention_days=30, retention_count=100, now=now) == []
    assert apply_retention(tmp_path, "no_such_pipeline", retention_days=1, retention_count=1, now=now) == []


def test_retention_clears_stale_temp_files_only(tmp_path):
    json_path, _ = _write_at(tmp_path, dt.datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    stale = json_path.parent / ".run_09-00-00_2.json.abc.tmp"
    stale.write_text("partial", encoding="utf-8")
    now = dt.datetime.now(UTC)
    assert apply_retention(tmp_path, "silver_sales", retention_days=None, retention_count=None, now=now) == []
    deleted = apply_retention(tmp_path, "silver_sales", retention_days=None, retention_count=None,
                              now=now + dt.timedelta(days=2))
    assert deleted == [stale] and json_path.exists()
