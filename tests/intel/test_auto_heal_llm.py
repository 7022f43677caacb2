"""Auto-heal's LLM path end to end: a real run, litellm, and the fake OpenAI-compatible server.

The deterministic healer cannot invent ``amount AS total_price`` (nothing is close to
``total_price``), so the LLM is asked; its first answer is destructive and must be rejected by
validation, the second is a real fix. Secrets never reach the prompt."""

from __future__ import annotations

import json

from odibi_core import secrets
from odibi_core.runner.runner import RunOptions
from odibi_core.session import Session
from tests.intel.fake_llm import TEST_API_KEY, data_block_of, message
from tests.intel.heal_project import make_project

SECRET = "s3cr3t-db-pass-42"


def _project(tmp_path, llm_server, mode="suggest"):
    config = make_project(tmp_path / "p")
    text = config.read_text()
    text = text.replace("SELECT order_id, city, amout FROM df WHERE status = 'delivered'",
                        "SELECT order_id, city, total_price FROM df WHERE status = 'delivered'")
    text = text.replace("auto_heal: {enabled: true, mode: suggest}",
                        f"auto_heal: {{enabled: true, mode: {mode}}}\n"
                        f"llm: {{model: openai/fake-model, api_base: '{llm_server.base_url}', "
                        f"api_key: '${{TEST_LLM_KEY}}', max_attempts: 2}}\n"
                        f"vars: {{db_password: '${{TEST_DB_PASSWORD}}'}}")
    config.write_text(text)
    return config


def _run_clean(config, env=None):
    session = Session(config, env=env, environ={"TEST_LLM_KEY": TEST_API_KEY, "TEST_DB_PASSWORD": SECRET})
    try:
        results = session.run(RunOptions(nodes=["clean"]))
    finally:
        session.close()
    return next(n for r in results for n in r.nodes if n.name == "clean")


def test_llm_fix_after_a_rejected_destructive_answer(tmp_path, llm_server):
    secrets.register(SECRET)
    config = _project(tmp_path, llm_server)
    llm_server.script(["```sql\nDROP TABLE df\n```",
                       "```sql\nSELECT order_id, city, amount AS total_price FROM df WHERE status = 'delivered'\n```"])
    clean = _run_clean(config)
    assert clean.status == "failed"
    [attempt] = clean.heal
    assert attempt["status"] == "proposed" and attempt["source"] == "llm"
    assert "amount AS total_price" in attempt["after"]
    assert any("DROP" in (r.get("sql") or "") or "DROP" in r["reason"] for r in attempt["rejected"])
    assert len(llm_server.requests) == 2
    bodies = json.dumps(llm_server.requests)
    assert SECRET not in bodies and TEST_API_KEY not in bodies
    # the schemas and the error travel as data: the real column names are in the data block
    data = data_block_of(message(llm_server.requests[0], "user"))
    assert "amount" in json.dumps(data) and "total_price" in json.dumps(data)


def test_llm_fix_applied_in_dev(tmp_path, llm_server):
    config = _project(tmp_path, llm_server, mode="apply")
    llm_server.script(["SELECT order_id, city, amount AS total_price FROM df WHERE status = 'delivered'"])
    clean = _run_clean(config)
    assert clean.status == "success", clean.error
    assert clean.heal[0]["status"] == "applied"


def test_llm_down_leaves_a_clear_unhealed_record(tmp_path, llm_server):
    config = _project(tmp_path, llm_server)
    config.write_text(config.read_text().replace(llm_server.base_url, "http://127.0.0.1:9/v1"))
    clean = _run_clean(config)
    assert clean.status == "failed"
    [attempt] = clean.heal
    assert attempt["status"] == "unhealed"
    assert any(r["strategy"] == "llm" and "127.0.0.1:9" in r["reason"] for r in attempt["rejected"])
