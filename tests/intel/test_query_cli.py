"""``odibi query`` end to end: a real project run with a Session, the real CLI, and for the LLM
path a real OpenAI-compatible server on 127.0.0.1 reached through litellm."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from odibi_core.cli.main import main
from odibi_core.errors import OdibiError
from odibi_core.intel.query.answer import Answer, ask
from odibi_core.intel.query.scope import QueryScope
from tests.intel.fake_llm import TEST_API_KEY
from tests.intel.test_query_scope import make_shop, scope_of

REVENUE = "total revenue by country"
CHAIR = "which customers ordered a chair?"  # the offline parser cannot place "ordered" and "chair"
CHAIR_SQL = ("SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
             "JOIN raw_products p ON p.product_id = o.product_id WHERE p.product_name = 'Chair' ORDER BY c.name")


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return make_shop(tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def llm_shop(tmp_path_factory, llm_server_session) -> Path:
    block = {"llm": {"model": "openai/test", "api_base": llm_server_session.base_url, "api_key": TEST_API_KEY,
                     "timeout": 10}}
    return make_shop(tmp_path_factory.mktemp("cli_llm"), extra_yaml=yaml.safe_dump(block))


def query(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# --- answered offline ------------------------------------------------------------------------------
def test_json_prints_exactly_question_sql_columns_rows(shop, capsys):
    code, out, err = query(capsys, REVENUE, str(shop), "--env", "dev", "--format", "json")
    assert code == 0, err
    data = json.loads(out)  # one JSON object and nothing else on stdout
    assert list(data) == ["question", "sql", "columns", "rows"]
    assert data["question"] == REVENUE
    assert "revenue_by_country" in data["sql"] and "SUM(revenue)" in data["sql"]
    assert data["columns"] == ["country", "total_revenue"]
    assert sorted(data["rows"]) == [["GB", 267.5], ["US", 313.8]]


def test_table_format_shows_rows_sql_and_who_answered(shop, capsys):
    code, out, err = query(capsys, "number of orders by status", str(shop), "-e", "dev")
    assert code == 0, err
    for text in ("number of orders by status", "status", "order_count", "placed", "4 rows",
                 "FROM orders", "answered by the offline semantic parser"):
        assert text in out, text
    code, out, _ = query(capsys, "number of orders by status", str(shop), "-e", "dev", "--no-show-sql")
    assert code == 0 and "FROM orders" not in out and "placed" in out


def test_table_format_prints_the_whole_sql_when_piped(shop, capsys):
    """The SQL is what a user copies: it must not be cropped at a pipe's 80 columns."""
    code, data, _ = query(capsys, "number of orders by status", str(shop), "-e", "dev", "-f", "json")
    sql = json.loads(data)["sql"]
    assert len(sql) > 80  # long enough to have been cropped
    code, out, _ = query(capsys, "number of orders by status", str(shop), "-e", "dev")
    assert code == 0 and sql in out.splitlines()


def test_csv_is_plain_csv_on_stdout(shop, capsys):
    code, out, err = query(capsys, "number of orders by status", str(shop), "-e", "dev", "-f", "csv")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [["status", "order_count"], ["cancelled", "1"], ["delivered", "2"],
                                                  ["placed", "3"], ["shipped", "2"]]
    assert err == ""
    code, out, err = query(capsys, "number of orders by status", str(shop), "-e", "dev", "-f", "csv", "--show-sql")
    assert code == 0 and out.startswith("status,order_count\n") and "FROM orders" in err


def test_max_rows_truncates(shop, capsys):
    code, out, _ = query(capsys, "number of orders by status", str(shop), "-e", "dev", "-f", "json",
                         "--max-rows", "2")
    assert code == 0 and json.loads(out)["rows"] == [["cancelled", 1], ["delivered", 2]]
    code, out, _ = query(capsys, "number of orders by status", str(shop), "-e", "dev", "--max-rows", "2")
    assert "stopped at --max-rows 2" in out


def test_export_writes_a_pipeline_file_and_never_overwrites(shop, capsys):
    dest = shop.parent / "pipelines" / "by_status.yaml"
    code, out, err = query(capsys, "number of orders by status", str(shop), "-e", "dev", "-f", "json",
                           "--export", str(dest))
    assert code == 0, err
    assert json.loads(out)["rows"][0] == ["cancelled", 1]  # stdout stays one JSON object
    assert "imports: [pipelines/by_status.yaml]" in err and "--pipeline ask_number_of_orders_by_status" in err
    node = yaml.safe_load(dest.read_text(encoding="utf-8"))["pipelines"][0]["nodes"][0]
    assert node["name"] == "ask_number_of_orders_by_status" and node["description"] == "number of orders by status"
    assert node["inputs"] == {"orders": {"connection": "lake", "format": "delta", "path": "silver/orders"}}
    code, _, err = query(capsys, "number of orders by status", str(shop), "-e", "dev", "--export", str(dest))
    assert code == 2 and "exists already" in err


# --- cannot answer, user errors ---------------------------------------------------------------------
def test_a_question_it_cannot_read_exits_1_with_the_reason(shop, capsys):
    code, out, err = query(capsys, CHAIR, str(shop), "-e", "dev", "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["question", "error"] and data["question"] == CHAIR
    assert "ordered" in data["error"] and "No LLM is configured" in data["error"]
    code, out, err = query(capsys, CHAIR, str(shop), "-e", "dev")
    assert code == 1 and out == "" and "cannot answer" in err


def test_nothing_run_yet_bad_config_and_bad_options_exit_2(tmp_path, capsys):
    fresh = make_shop(tmp_path, run=False)
    code, out, err = query(capsys, REVENUE, str(fresh), "-e", "dev", "-f", "json")
    assert code == 2 and out == "" and "run the pipelines first" in err
    code, _, err = query(capsys, REVENUE, str(tmp_path / "missing.yaml"))
    assert code == 2 and "project file not found" in err
    code, _, err = query(capsys, REVENUE, str(fresh), "-e", "dev", "-f", "xml")
    assert code == 2 and "--format must be one of table, csv, json" in err
    code, _, err = query(capsys, "   ", str(fresh), "-e", "dev")
    assert code == 2


def test_unknown_table_option_is_a_user_error(shop, capsys):
    code, _, err = query(capsys, REVENUE, str(shop), "-e", "dev", "--table", "revenue_by_cuntry")
    assert code == 2 and "did you mean 'revenue_by_country'" in err
    code, out, _ = query(capsys, "number of orders", str(shop), "-e", "dev", "-t", "raw_orders", "-f", "json")
    assert code == 0 and "FROM raw_orders" in json.loads(out)["sql"]


def test_the_real_command_in_a_subprocess(shop):
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("ODIBI_ENV", None)
    res = subprocess.run([sys.executable, "-m", "odibi_core.cli.main", "query", "average total by band",
                          str(shop), "--env", "dev", "--format", "json"], capture_output=True, text=True,
                         timeout=120, env=env, check=False)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["columns"] == ["band", "avg_total"]
    assert [r[0] for r in data["rows"]] == ["large", "small"]


# --- the LLM path -------------------------------------------------------------------------------------
def test_the_llm_answers_what_the_parser_cannot(llm_shop, llm_server, capsys):
    llm_server.script([f"Here it is:\n```sql\n{CHAIR_SQL}\n```"])
    code, out, err = query(capsys, CHAIR, str(llm_shop), "-e", "dev", "-f", "json")
    assert code == 0, err
    assert json.loads(out) == {"question": CHAIR, "sql": CHAIR_SQL, "columns": ["name"],
                               "rows": [["Ada Lovelace"], ["Grace Hopper"]]}
    [body] = llm_server.requests
    assert body["model"] == "test" and CHAIR in json.dumps(body)
    assert TEST_API_KEY not in json.dumps(body)  # the key travels in a header, never in the prompt


def test_the_parser_answers_first_and_the_llm_is_not_called(llm_shop, llm_server, capsys):
    code, out, err = query(capsys, REVENUE, str(llm_shop), "-e", "dev", "-f", "json")
    assert code == 0, err
    assert sorted(json.loads(out)["rows"]) == [["GB", 267.5], ["US", 313.8]]
    assert llm_server.requests == []


def test_a_destructive_llm_answer_is_refused_and_nothing_changes(llm_shop, llm_server, capsys):
    llm_server.script(["DROP TABLE orders", "```sql\nDELETE FROM orders; SELECT 1\n```"])
    code, out, _ = query(capsys, CHAIR, str(llm_shop), "-e", "dev", "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["question", "error"]
    assert "the LLM could not answer either" in data["error"] and "2 attempts" in data["error"]
    assert len(llm_server.requests) == 2
    assert DeltaTable(str(llm_shop.parent / "lake/silver/orders")).to_pyarrow_table().num_rows == 8


def test_an_unreachable_llm_is_a_plain_cannot_answer(shop, capsys):
    scope = scope_of(shop)
    from odibi_core.config.models.intel import LLMConfig

    dead = LLMConfig(model="openai/test", api_base="http://127.0.0.1:9/v1", api_key="sk-x", timeout=5)
    answer = ask(CHAIR, scope, llm=dead)
    assert answer.error is not None and "could not be reached" in answer.error and answer.rows == []
    assert answer.to_json_dict() == {"question": CHAIR, "error": answer.error}


# --- the answer service on its own -----------------------------------------------------------------
def test_ask_returns_sql_rows_chart_and_source(shop):
    answer = ask("revenue by day", scope_of(shop))
    assert answer.ok and answer.source == "semantic"
    assert answer.rows == [["2024-03-01", 292.4], ["2024-03-02", 348.8]]
    assert answer.chart is not None and answer.chart.kind == "line" and answer.chart.x == "order_date"
    assert answer.elapsed_s is not None and not answer.truncated


def test_ask_with_no_tables_says_to_run_first():
    with pytest.raises(OdibiError, match="run the pipelines first.*could not be opened: orders: gone"):
        ask(REVENUE, QueryScope(tables={}, skipped=["orders: gone"]))
    assert Answer(question="q", sql="SELECT 1", columns=["a"], rows=[[1]]).to_json_dict() == \
        {"question": "q", "sql": "SELECT 1", "columns": ["a"], "rows": [[1]]}
