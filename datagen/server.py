"""``python -m datagen serve``: a landing's click events as a paginated JSON HTTP API.

The "API source" of OdibiEats. Records are the lines of ``events/clicks/date=D/*.jsonl``, in
folder, file and line order, exactly as landed (duplicates and late events included), so the
API and the files tell the same story. A line that is not valid JSON is served as
``{"raw_line": <the text>, "parse_error": <why>}`` instead of breaking the page, so a pipeline
can quarantine it. Endpoints and pagination styles are listed in ``datagen/README.md``; every
style the ``api`` format supports (page, offset, cursor, next_url, link_header) works.

Stdlib only (``ThreadingHTTPServer``). Files are indexed lazily, one date at a time: an index is
the byte offsets of a date's line ends, kept for a bounded number of dates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import sys
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

MAX_PAGE_SIZE = 10_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEEP_INDEXED = 8


class ServeError(Exception):
    """A problem starting the server, explained for the user."""


class BadRequest(Exception):
    pass


class ClickIndex:
    """Line positions of the click files, built per date on first use (thread-safe)."""

    def __init__(self, landing: Path) -> None:
        self.root = landing / "events" / "clicks"
        if not self.root.is_dir():
            raise ServeError(f"{landing} holds no events/clicks folder; generate a landing first "
                             f"(python -m datagen --scale 0.01 --out {landing}).")
        self.dates = sorted(p.name[5:] for p in self.root.glob("date=*") if p.is_dir())
        self._lock = threading.Lock()
        self._index: OrderedDict[str, list[tuple[Path, np.ndarray]]] = OrderedDict()
        self._counts: dict[str, int] = {}

    def files(self, date: str) -> list[tuple[Path, np.ndarray]]:
        """(file, offsets of line starts plus the end) for each file of the date."""
        with self._lock:
            if date in self._index:
                self._index.move_to_end(date)
                return self._index[date]
        entries = []
        for path in sorted((self.root / f"date={date}").glob("*.jsonl")):
            data = np.fromfile(path, dtype=np.uint8)
            ends = np.flatnonzero(data == 10) + 1
            if len(data) and data[-1] != 10:
                ends = np.append(ends, len(data))  # a last line without a newline still counts
            entries.append((path, np.concatenate([[0], ends]).astype(np.int64)))
        with self._lock:
            self._index[date] = entries
            self._counts[date] = sum(len(o) - 1 for _, o in entries)
            while len(self._index) > _KEEP_INDEXED:
                self._index.popitem(last=False)
        return entries

    def count(self, date: str) -> int:
        with self._lock:
            if date in self._counts:
                return self._counts[date]
        self.files(date)
        return self._counts[date]

    def lines(self, dates: list[str], offset: int, limit: int) -> tuple[list[bytes], int]:
        """Lines ``offset .. offset+limit`` of the dates taken in order, and the total line count."""
        total = sum(self.count(d) for d in dates)
        out: list[bytes] = []
        skip = offset
        for date in dates:
            if len(out) >= limit:
                break
            n = self.count(date)
            if skip >= n:
                skip -= n
                continue
            for path, offs in self.files(date):
                lines_here = len(offs) - 1
                if skip >= lines_here:
                    skip -= lines_here
                    continue
                take = min(limit - len(out), lines_here - skip)
                with open(path, "rb") as fh:
                    fh.seek(int(offs[skip]))
                    blob = fh.read(int(offs[skip + take] - offs[skip]))
                base = int(offs[skip])
                out += [blob[int(offs[i]) - base : int(offs[i + 1]) - base] for i in range(skip, skip + take)]
                skip = 0
                if len(out) >= limit:
                    break
        return out, total


def record(line: bytes) -> dict:
    """A click as a dict; a malformed line becomes ``{"raw_line", "parse_error"}``."""
    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
    try:
        value = json.loads(text)
    except ValueError as exc:
        return {"raw_line": text, "parse_error": f"invalid JSON: {exc}"}
    if not isinstance(value, dict):
        return {"raw_line": text, "parse_error": f"not a JSON object: {type(value).__name__}"}
    return value


class Handler(BaseHTTPRequestHandler):
    server_version = "datagen-serve/1"
    index: ClickIndex
    page_size: int

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            if parts.path in ("/health", "/health/"):
                self._json(200, {"status": "ok", "dates": len(self.index.dates)})
            elif parts.path in ("", "/"):
                self._json(200, {"endpoints": {
                    "/clicks": "click events; ?date=YYYY-MM-DD, pages via page+page_size, offset+limit or cursor",
                    "/clicks/dates": "the dates that have click files, with line counts",
                    "/health": "liveness"}})
            elif parts.path in ("/clicks/dates", "/clicks/dates/"):
                self._json(200, {"data": [{"date": d, "lines": self.index.count(d)} for d in self.index.dates]})
            elif parts.path in ("/clicks", "/clicks/"):
                self._clicks(parts.path, query)
            else:
                self._json(404, {"error": f"no endpoint {parts.path}; try /clicks, /clicks/dates or /health"})
        except BadRequest as exc:
            self._json(400, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away

    def _clicks(self, path: str, q: dict[str, str]) -> None:
        date = q.get("date")
        if date is not None and not _valid_date(date):
            raise BadRequest(f"date must be a real date written YYYY-MM-DD (got {date!r})")
        dates = [date] if date else list(self.index.dates)
        dates = [d for d in dates if d in self.index.dates]
        size_key = "limit" if "limit" in q else "page_size"
        size = _int(q, size_key, self.page_size, 1, MAX_PAGE_SIZE)
        if "cursor" in q:
            style, offset = "cursor", _int(q, "cursor", 0, 0, None) if q["cursor"] else 0
        elif "offset" in q:
            style, offset = "offset", _int(q, "offset", 0, 0, None)
        else:
            page = _int(q, "page", 1, 1, None)
            style, offset = "page", (page - 1) * size
        lines, total = self.index.lines(dates, offset, size)
        end = offset + len(lines)
        more = bool(lines) and end < total
        keep = {k: v for k, v in q.items() if k not in ("page", "offset", "cursor")}
        nxt = None
        if more:
            step = {"page": {"page": end // size + 1}, "offset": {"offset": end}, "cursor": {"cursor": str(end)}}[style]
            host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            nxt = f"http://{host}{path}?{urlencode({**keep, **step})}"
        body = {"data": [record(x) for x in lines], "next": nxt, "page": offset // size + 1, "page_size": size,
                "offset": offset, "total": total, "meta": {"next_cursor": str(end) if more else None}}
        self._json(200, body, {"Link": f'<{nxt}>; rel="next"'} if nxt else None)

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        pass  # quiet: a pipeline pulls thousands of pages


def _valid_date(text: str) -> bool:
    try:
        return bool(_DATE.match(text)) and dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _int(q: dict[str, str], key: str, default: int, low: int, high: int | None) -> int:
    raw = q.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{key} must be a whole number (got {raw!r})") from None
    if value < low or (high is not None and value > high):
        raise BadRequest(f"{key} must be between {low} and {high}" if high else f"{key} must be at least {low}")
    return value


def make_server(landing: Path, host: str, port: int, page_size: int) -> ThreadingHTTPServer:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ServeError(f"--page-size must be between 1 and {MAX_PAGE_SIZE} (got {page_size})")
    if not 0 <= port <= 65535:
        raise ServeError(f"--port must be between 0 and 65535 (got {port})")
    index = ClickIndex(Path(landing))
    handler = type("ClickHandler", (Handler,), {"index": index, "page_size": page_size})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Pick another --port "
                         "(0 picks a free one) or --host.") from None
    server.daemon_threads = True
    return server


def serve(landing: Path, host: str, port: int, page_size: int) -> int:
    """Run until Ctrl-C (or SIGTERM); returns the exit code."""
    server = make_server(landing, host, port, page_size)
    bound_host, bound_port = server.server_address[:2]
    print(f"datagen serve: http://{bound_host}:{bound_port}/clicks ({len(server.RequestHandlerClass.index.dates)} dates "
          f"from {landing}); Ctrl-C to stop", flush=True)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("datagen serve: stopped", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return 0
