"""A real OpenAI-compatible HTTP server on 127.0.0.1 that answers with scripted completions.

Why a server and not a mock: the LLM path goes through litellm and the OpenAI SDK, which build
the HTTP request, parse the answer and turn status codes into exceptions. Only a real socket
tests all of that, and lets the tests assert on exactly what left the process
(``server.requests``: every JSON body received), e.g. that no secret was ever sent.

Serves ``POST /v1/chat/completions`` (plain JSON, or server-sent events with ``"stream": true``)
and ``GET /v1/models``. Each completion request takes the next scripted :class:`Reply`: a text,
an HTTP error (401, 429, 500, ...) or a delay. An exhausted script answers 500 with a message
that says so, unless a ``default`` reply was given.

Three ways to use it:

- in pytest: the ``llm_server`` fixture (session-scoped server, reset before each test);
- in code: ``FakeLLMServer().start()`` ... ``.stop()``;
- standalone, e.g. for a Studio running in a subprocess:
  ``python -m tests.intel.fake_llm --port 8765 --script replies.json [--requests-log log.jsonl]``.
  It prints ``fake LLM listening on http://127.0.0.1:PORT/v1`` and serves until killed. The
  script file is a JSON list of replies, or ``{"replies": [...], "default": ...}``.

Remote control (any process): ``POST /_fake/script`` with ``{"replies": [...], "default": ...}``
queues replies, ``GET /_fake/requests`` returns the received bodies, ``POST /_fake/reset`` clears.
A reply is a string (the completion text) or an object ``{"content", "status", "delay",
"message"}``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

FAKE_MODEL = "fake-model"  # what /v1/models lists; use "openai/fake-model" with litellm
TEST_API_KEY = "sk-test-0123456789abcdef"  # what the llm_config fixture sends (the server accepts any key)

_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_api_key", 403: "permission_denied",
                404: "model_not_found", 429: "rate_limit_exceeded", 500: "server_error", 503: "overloaded"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: ``content`` with status 200, or an HTTP error ``status`` with ``message``;
    ``delay`` seconds pass before anything is sent (to trigger client timeouts)."""

    content: str = ""
    status: int = 200
    delay: float = 0.0
    message: str = ""

    @classmethod
    def error(cls, status: int, message: str = "", *, delay: float = 0.0) -> Reply:
        return cls(status=status, message=message or f"fake LLM error {status}", delay=delay)

    @classmethod
    def of(cls, item: str | dict[str, Any] | Reply) -> Reply:
        if isinstance(item, Reply):
            return item
        if isinstance(item, str):
            return cls(content=item)
        if isinstance(item, dict):
            unknown = set(item) - {"content", "status", "delay", "message"}
            if unknown:
                raise ValueError(f"unknown reply keys {sorted(unknown)}")
            return cls(content=str(item.get("content", "")), status=int(item.get("status", 200)),
                       delay=float(item.get("delay", 0.0)), message=str(item.get("message", "")))
        raise TypeError(f"a reply is a string, a dict or a Reply, not {type(item).__name__}")


class FakeLLMServer:
    """The handle tests get: ``base_url`` (``http://127.0.0.1:PORT/v1``), ``script()``,
    ``requests`` (received JSON bodies) and ``request_headers`` (same order)."""

    def __init__(self, port: int = 0, *, requests_log: str | None = None) -> None:
        self._lock = threading.Lock()
        self._queue: list[Reply] = []
        self._default: Reply | None = None
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._wake = threading.Event()  # set by reset(): cuts a pending delay short
        self._requests_log = requests_log
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-llm", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._wake.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    # -- scripting -------------------------------------------------------------------------
    def script(self, replies: Iterable[str | dict[str, Any] | Reply], *,
               default: str | dict[str, Any] | Reply | None = None) -> FakeLLMServer:
        """Queue replies (appended to what is already queued); ``default`` answers once the queue
        is empty (otherwise an exhausted script answers 500)."""
        parsed = [Reply.of(r) for r in replies]
        with self._lock:
            self._queue.extend(parsed)
            if default is not None:
                self._default = Reply.of(default)
        return self

    def reset(self) -> None:
        """Forget queued replies, the default and received requests; wake pending delays."""
        with self._lock:
            self._queue.clear()
            self._default = None
            self._requests.clear()
            self._headers.clear()
            old, self._wake = self._wake, threading.Event()
        old.set()

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._headers)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._queue)

    # -- used by the handler ---------------------------------------------------------------
    def _take(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[Reply, threading.Event]:
        with self._lock:
            self._requests.append(body)
            self._headers.append(headers)
            count = len(self._requests)
            if self._queue:
                reply = self._queue.pop(0)
            elif self._default is not None:
                reply = self._default
            else:
                reply = Reply.error(500, f"fake LLM: no scripted reply left (request #{count})")
            wake = self._wake
        if self._requests_log:
            with open(self._requests_log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(body) + "\n")
        return reply, wake


def _completion(content: str, model: str, n: int) -> dict[str, Any]:
    return {"id": f"chatcmpl-fake-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "system_fingerprint": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": max(1, len(content) // 4),
                      "total_tokens": 10 + max(1, len(content) // 4)}}


def _chunk(n: int, model: str, delta: dict[str, Any], finish: str | None) -> bytes:
    data = {"id": f"chatcmpl-fake-{n}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    return f"data: {json.dumps(data)}\n\n".encode()


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw or b"{}")

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send_json(200, {"object": "list", "data": [
                    {"id": FAKE_MODEL, "object": "model", "created": 0, "owned_by": "odibi-tests"}]})
            elif self.path == "/_fake/requests":
                self._send_json(200, server.requests)
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            try:
                body = self._body()
            except ValueError:
                self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            path = self.path.rstrip("/")
            if path == "/_fake/script":
                server.script(body.get("replies", []), default=body.get("default"))
                self._send_json(200, {"pending": server.pending})
            elif path == "/_fake/reset":
                server.reset()
                self._send_json(200, {"pending": 0})
            elif path in ("/v1/chat/completions", "/chat/completions"):
                self._complete(body)
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def _complete(self, body: dict[str, Any]) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply, wake = server._take(body, headers)
            if reply.delay:
                wake.wait(reply.delay)
            try:
                if reply.status != 200:
                    code = _ERROR_TYPES.get(reply.status, "error")
                    self._send_json(reply.status, {"error": {"message": reply.message, "type": code,
                                                             "param": None, "code": code}})
                elif body.get("stream"):
                    self._stream(reply.content, str(body.get("model", FAKE_MODEL)))
                else:
                    self._send_json(200, _completion(reply.content, str(body.get("model", FAKE_MODEL)),
                                                     len(server.requests)))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to answer

        def _stream(self, content: str, model: str) -> None:
            n = len(server.requests)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes
            self.wfile.write(_chunk(n, model, {"role": "assistant", "content": ""}, None))
            for i in range(0, len(content), 8):
                self.wfile.write(_chunk(n, model, {"content": content[i:i + 8]}, None))
            self.wfile.write(_chunk(n, model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


# -- reading what the server received ----------------------------------------------------------
def message(body: dict[str, Any], role: str) -> str:
    """The content of the first message with ``role`` in a recorded request body."""
    for m in body.get("messages", []):
        if m.get("role") == role:
            return m.get("content") or ""
    raise AssertionError(f"no {role} message in {body!r}")


def data_block_of(content: str) -> dict[str, Any]:
    """The JSON document inside the single ```json block of a prompt; fails when there is not
    exactly one block or when anything inside it opened or closed a fence."""
    assert content.count("```json\n") == 1, content
    body = content.split("```json\n", 1)[1]
    assert body.count("```") == 1, "something closed or opened a fence inside the data block"
    return json.loads(body.split("\n```", 1)[0])


# -- pytest fixtures (re-exported by tests/intel/conftest.py; import them elsewhere to reuse) ---
@pytest.fixture(scope="session")
def llm_server_session():
    server = FakeLLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm_server(llm_server_session):
    """The session's fake LLM, emptied before each test: ``llm_server.script([...])``."""
    llm_server_session.reset()
    yield llm_server_session
    llm_server_session.reset()


def _load_script(path: str) -> tuple[list[Any], Any]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, list):
        return data, None
    return list(data.get("replies", [])), data.get("default")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.intel.fake_llm", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--script", help="JSON file: a list of replies, or {replies, default}")
    parser.add_argument("--default", help="text answered once the script is exhausted")
    parser.add_argument("--requests-log", help="append every received completion body here (JSON lines)")
    args = parser.parse_args(argv)
    server = FakeLLMServer(args.port, requests_log=args.requests_log)
    replies, default = _load_script(args.script) if args.script else ([], None)
    server.script(replies, default=args.default if args.default is not None else default)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    print(f"fake LLM listening on {server.base_url}", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
