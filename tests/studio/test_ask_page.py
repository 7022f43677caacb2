"""The Ask page (AppTest): tables in scope, a question answered with SQL + table (+ chart), a plain
"cannot answer", the conversation kept for the session, export as a pipeline, empty states."""

from __future__ import annotations

import json

import yaml

from tests.intel.fake_llm import FAKE_MODEL, llm_server, llm_server_session  # noqa: F401 - fixtures
from tests.studio.conftest import assert_clean

PAGE = "ask.py"
QUESTION = "total revenue by country"


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def sql_codes(at) -> list[str]:
    return [c.value for c in at.code if c.proto.language == "sql"]


def ask(at, question: str):
    at.chat_input(key="ask_input").set_value(question).run()
    assert_clean(at)
    return at


def test_scope_is_listed_before_any_question(studio, sample_project):
    at = studio(sample_project, PAGE)
    assert_clean(at)
    assert at.title[0].value == "Ask"
    assert "offline semantic parser (no LLM configured)" in texts(at.caption)
    [scope] = [e for e in at.expander if e.label.startswith("Tables in scope")]
    assert scope.label == "Tables in scope (7)"
    shown = texts(scope.markdown)
    assert "**revenue_by_country** · gold" in shown and "**orders** · silver" in shown
    columns = {tuple(df.value["column"]) for df in scope.dataframe}
    assert ("country", "orders", "revenue") in columns
    assert "No questions yet" in texts(at.caption)


def test_a_question_shows_sql_table_and_who_answered(studio, sample_project):
    at = ask(studio(sample_project, PAGE), QUESTION)
    [sql] = sql_codes(at)
    assert "revenue_by_country" in sql and sql.lstrip().upper().startswith("SELECT")
    assert [m.value for m in at.chat_message[0].markdown] == [QUESTION]
    table = at.chat_message[1].dataframe[0].value
    assert str(table.columns[0]).lower() == "country" and len(table) >= 1
    assert "Answered by **the offline semantic parser**" in texts(at.caption)
    [chart] = at.get("vega_lite_chart")  # the answer's chart hint: a bar per country
    spec = json.dumps(json.loads(chart.proto.spec))
    assert '"type": "bar"' in spec and '"field": "country"' in spec


def test_a_question_over_time_draws_a_line(studio, sample_project):
    at = ask(studio(sample_project, PAGE), "total revenue per day")
    [chart] = at.get("vega_lite_chart")
    spec = json.dumps(json.loads(chart.proto.spec))
    assert '"mark": {"type": "line"' in spec and '"field": "order_date"' in spec


def test_cannot_answer_says_why_and_lists_the_columns(studio, sample_project):
    at = ask(studio(sample_project, PAGE), "why is the sky blue")
    [warning] = at.warning
    assert warning.value.startswith("cannot answer")
    assert "**revenue_by_country**: country (string)" in texts(at.markdown)
    assert not at.chat_message[1].dataframe


def test_the_conversation_is_kept_and_can_be_cleared(studio, sample_project):
    at = ask(studio(sample_project, PAGE), QUESTION)
    ask(at, "why is the sky blue")
    assert [m.avatar for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert len(sql_codes(at)) == 1 and len(at.warning) == 1
    at.button(key="ask_clear").click().run()
    assert_clean(at)
    assert not at.chat_message and "No questions yet" in texts(at.caption)


def test_export_writes_a_pipeline_file(studio, sample_project):
    at = ask(studio(sample_project, PAGE), QUESTION)
    name = at.text_input(key="ask_export_name_1")
    assert name.value == "ask_total_revenue_by_country"
    name.input("revenue_report").run()
    at.button(key="ask_export_1").click().run()
    assert_clean(at)
    path = sample_project / "pipelines" / "revenue_report.yaml"
    assert path.is_file()
    [pipe] = yaml.safe_load(path.read_text())["pipelines"]
    assert pipe["pipeline"] == "revenue_report" and pipe["nodes"][0]["name"] == "revenue_report"
    ok = texts(at.success)
    assert "**pipelines/revenue_report.yaml**" in ok and "imports: [pipelines/revenue_report.yaml]" in ok
    assert [c.value.strip() for c in at.code if c.proto.language == "yaml"] == [path.read_text().strip()]
    # a second export under the same name is refused, not overwritten
    ask(at, QUESTION)
    at.text_input(key="ask_export_name_2").input("revenue_report").run()
    at.button(key="ask_export_2").click().run()
    assert_clean(at)
    assert "exists already" in texts(at.error)


def test_the_llm_answers_what_the_parser_cannot_and_a_bad_answer_is_refused(studio, sample_project,
                                                                            llm_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ODIBI_TEST_LLM_KEY", "sk-test-0123456789abcdef")
    config = sample_project / "odibi.yaml"
    config.write_text(config.read_text() + f"\nllm: {{model: openai/{FAKE_MODEL}, api_base: '{llm_server.base_url}', "
                      "api_key: '${ODIBI_TEST_LLM_KEY}', timeout: 10, max_attempts: 1}\n")
    llm_server.script(["```sql\nSELECT country, revenue FROM revenue_by_country ORDER BY revenue DESC LIMIT 1\n```",
                       "DROP TABLE revenue_by_country"])
    at = studio(sample_project, PAGE)
    assert f"offline semantic parser, then the LLM 'openai/{FAKE_MODEL}'" in texts(at.caption)
    ask(at, "which market is the best one")
    assert f"Answered by **the LLM (openai/{FAKE_MODEL})**" in texts(at.caption)
    assert at.chat_message[1].dataframe[0].value.values.tolist() == [["US", 313.8]]
    ask(at, "which market is the worst one")
    [warning] = at.warning
    assert warning.value.startswith("cannot answer") and "the LLM could not answer either" in warning.value
    assert len(llm_server.requests) == 2


def test_empty_states(studio, empty_project, tmp_path):
    at = studio(empty_project, PAGE)
    assert_clean(at)
    assert "No project here yet" in texts(at.info)

    from odibi_core.templates import create_project

    fresh = tmp_path / "fresh"
    create_project(fresh, "local-medallion")
    at = studio(fresh, PAGE)
    assert_clean(at)
    assert "No tables to ask about yet: press Run." in texts(at.info)
    assert not at.get("chat_input") or not at.chat_input
    assert not (fresh / "lake" / "_odibi_system" / "catalog.db").exists()
