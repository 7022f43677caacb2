"""The LLM client end to end through litellm against a real OpenAI-compatible server on 127.0.0.1,
plus the answer extraction it relies on."""

import json
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from odibi_core import secrets
from odibi_core.config.models.intel import LLMConfig
from odibi_core.intel.llm import LLMClient, LLMUnavailable, client_for
from odibi_core.intel.llm.client import _load_litellm
from odibi_core.intel.llm.extract import extract_note, extract_refusal, extract_sql
from tests.intel.fake_llm import FAKE_MODEL, TEST_API_KEY, Reply

ROOT = Path(__file__).resolve().parents[2]
HELLO = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "say hello"}]


def _dead_port() -> int:
    """A loopback port with nothing listening (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_completion_round_trip_sends_the_configured_request(llm_server, llm_config):
    llm_server.script(["hello there"])
    client = LLMClient(llm_config.model_copy(update={"temperature": 0.3, "max_tokens": 200}))

    assert client.complete(HELLO) == "hello there"

    [body] = llm_server.requests
    assert body["model"] == FAKE_MODEL  # litellm strips the provider prefix
    assert body["messages"] == HELLO
    assert body["temperature"] == 0.3
    assert body.get("max_tokens", body.get("max_completion_tokens")) == 200
    assert not body.get("stream")
    assert llm_server.request_headers[0]["authorization"] == f"Bearer {TEST_API_KEY}"
    assert client.calls == 1


def test_fake_server_streams_and_lists_models_through_litellm(llm_server):
    llm_server.script(["SELECT city FROM orders -- streamed in pieces"])
    litellm = _load_litellm()
    chunks = litellm.completion(model=f"openai/{FAKE_MODEL}", api_base=llm_server.base_url, api_key="sk-x",
                                messages=HELLO, stream=True, num_retries=0)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "SELECT city FROM orders -- streamed in pieces"
    assert llm_server.requests[0]["stream"] is True

    with urllib.request.urlopen(llm_server.base_url + "/models", timeout=5) as resp:
        assert [m["id"] for m in json.load(resp)["data"]] == [FAKE_MODEL]


def test_dead_server_is_one_clear_line():
    port = _dead_port()
    client = LLMClient(LLMConfig(model="openai/gpt-test", api_base=f"http://127.0.0.1:{port}/v1", api_key="sk-abcd"))
    with pytest.raises(LLMUnavailable) as info:
        client.complete(HELLO)
    msg = str(info.value)
    assert info.value.kind == "connection"
    assert "'openai/gpt-test'" in msg and f"http://127.0.0.1:{port}/v1" in msg
    assert "could not be reached" in msg and "llm.api_base" in msg
    assert "\n" not in msg


def test_credentials_in_api_base_never_show_in_the_error():
    port = _dead_port()
    base = f"http://robot:pa55-in-url@127.0.0.1:{port}/v1?api-key=query-key-77"
    with pytest.raises(LLMUnavailable) as info:
        LLMClient(LLMConfig(model="openai/m", api_base=base, api_key="sk-secret-key-1")).complete(HELLO)
    msg = str(info.value)
    assert f"127.0.0.1:{port}/v1" in msg
    assert "pa55-in-url" not in msg and "query-key-77" not in msg and "robot" not in msg


@pytest.mark.parametrize("status, kind, hint", [
    (401, "auth", "llm.api_key"),
    (403, "auth", "llm.api_key"),
    (429, "rate_limit", "quota"),
    (404, "not_found", "llm.model"),
    (500, "server", "server's logs"),
    (503, "server", "server's logs"),
])
def test_http_errors_become_llm_unavailable_without_retry(llm_server, llm_config, status, kind, hint):
    # the provider echoes the key in its error, as OpenAI does for a wrong key: it must come back masked
    llm_server.script([Reply.error(status, f"bad things happened for key {TEST_API_KEY}")], default="late answer")
    with pytest.raises(LLMUnavailable) as info:
        LLMClient(llm_config).complete(HELLO)
    msg = str(info.value)
    assert info.value.kind == kind
    assert hint in msg and f"'openai/{FAKE_MODEL}'" in msg and llm_server.base_url in msg
    assert TEST_API_KEY not in msg and "***" in msg
    assert len(llm_server.requests) == 1  # litellm's and the OpenAI SDK's retries are off


def test_timeout_is_reported_with_the_limit(llm_server, llm_config):
    llm_server.script([Reply(content="too late", delay=30)])
    client = LLMClient(llm_config.model_copy(update={"timeout": 0.5}))
    with pytest.raises(LLMUnavailable) as info:
        client.complete(HELLO)
    assert info.value.kind == "timeout"
    assert "within 0.5 s" in str(info.value) and "llm.timeout" in str(info.value)
    assert len(llm_server.requests) == 1


def test_unknown_provider_says_how_to_write_the_model():
    with pytest.raises(LLMUnavailable) as info:
        LLMClient(LLMConfig(model="no-such-provider-model", api_key="sk-abcd")).complete(HELLO)
    assert info.value.kind == "bad_request"
    assert "provider/model" in str(info.value)


def test_missing_api_key_says_to_set_it(llm_server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # the provider's fallback when llm.api_key is not set
    with pytest.raises(LLMUnavailable) as info:
        LLMClient(LLMConfig(model=f"openai/{FAKE_MODEL}", api_base=llm_server.base_url)).complete(HELLO)
    assert info.value.kind == "auth" and "set llm.api_key" in str(info.value)
    assert llm_server.requests == []


def test_registered_secrets_and_the_api_key_never_leave_in_a_body(llm_server, llm_config):
    secrets.register("hunter2-db-password")
    llm_server.script(["ok"])
    client = LLMClient(llm_config)
    client.complete([{"role": "system", "content": "rules"},
                     {"role": "user", "content": f"error: login failed for app:hunter2-db-password; key {TEST_API_KEY}"},
                     {"role": "user", "content": [{"type": "text", "text": "again hunter2-db-password"}]}])
    sent = json.dumps(llm_server.requests)
    assert "hunter2-db-password" not in sent and TEST_API_KEY not in sent
    assert sent.count("***") == 3
    assert llm_server.request_headers[0]["authorization"] == f"Bearer {TEST_API_KEY}"  # the key goes where it belongs


def test_litellm_missing_gives_the_install_command():
    # a real separate interpreter in which `import litellm` fails, as on an install without the [llm] extra
    code = textwrap.dedent("""
        import sys
        sys.modules["litellm"] = None  # makes `import litellm` raise ImportError
        from odibi_core.config.models.intel import LLMConfig
        from odibi_core.intel.llm import LLMClient, LLMUnavailable
        try:
            LLMClient(LLMConfig(model="openai/m", api_base="http://127.0.0.1:9/v1")).complete(
                [{"role": "user", "content": "hi"}])
        except LLMUnavailable as exc:
            print(exc.kind, exc, sep="|")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    kind, msg = out.stdout.strip().split("|", 1)
    assert kind == "not_installed"
    assert "pip install 'odibi-studio[llm]'" in msg and "'openai/m'" in msg


def test_importing_the_package_does_not_import_litellm():
    code = "import sys, odibi_core.intel.llm, odibi_core.intel.heal.llm_heal, odibi_core.intel.query.llm_query; " \
           "print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.strip() == "False", out.stderr


def test_client_for():
    assert client_for(None) is None
    client = client_for(LLMConfig(model="ollama/llama3", api_base="http://localhost:11434"))
    assert isinstance(client, LLMClient) and client.model == "ollama/llama3"
    assert client.describe() == "'ollama/llama3' at http://localhost:11434"


def test_standalone_server_serves_a_script_file(tmp_path):
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"replies": ["first", {"status": 429, "message": "slow down"}], "default": "again"}))
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "tests.intel.fake_llm", "--script", str(script),
                             "--requests-log", str(log)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("fake LLM listening on http://127.0.0.1:"), line
        base = line.split(" on ", 1)[1].strip()
        client = LLMClient(LLMConfig(model=f"openai/{FAKE_MODEL}", api_base=base, api_key="sk-abcd"))
        assert client.complete(HELLO) == "first"
        with pytest.raises(LLMUnavailable, match="slow down"):
            client.complete(HELLO)
        assert client.complete(HELLO) == "again"
        assert [json.loads(x)["messages"] for x in log.read_text().splitlines()] == [HELLO] * 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- extraction ---------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, sql", [
    ("```sql\nSELECT a FROM t;\n```\nI renamed the column.", "SELECT a FROM t"),
    ("Here:\n```\nSELECT 1;;\n```", "SELECT 1"),
    ("```python\nx = 1\n```\n```SQL\nSELECT b FROM t\n```", "SELECT b FROM t"),
    ("  SELECT c FROM t ;  ", "SELECT c FROM t"),
    ("`SELECT d FROM t`", "SELECT d FROM t"),
    ("```sql\nSELECT e FROM t WHERE x = 1", "SELECT e FROM t WHERE x = 1"),  # cut off by max_tokens
    ("", ""),
])
def test_extract_sql(answer, sql):
    assert extract_sql(answer) == sql


def test_extract_refusal_and_note():
    assert extract_refusal("CANNOT_ANSWER: no weather table") == "no weather table"
    assert extract_refusal("Sorry.\n**CANNOT_ANSWER**: nothing about refunds") == "nothing about refunds"
    assert extract_refusal("CANNOT_ANSWER") == "no reason given"
    assert extract_refusal("```sql\nSELECT 'CANNOT_ANSWER' AS x\n```") is None
    assert extract_note("```sql\nSELECT 1\n```\nFixed the\n  typo.") == "Fixed the typo."
    assert extract_note("SELECT 1") == ""
