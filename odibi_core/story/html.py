"""Render one run story (the dict written as JSON) as a single self-contained HTML page.

Why it looks like this: the page is what a user opens when a run fails, often from a ticket or
a mail, offline. So it carries its own CSS and a few lines of JS (no CDN, no fetch), puts the
failure (red box, error, suggestion) where the eye lands, and shows only what the story holds:
counts, schemas, the masked sample rows, SQL text and test results, never more data. Every value
is passed through :func:`html.escape`, because error messages and sample rows are user data and a
``<script>`` in a column value must stay text.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from odibi_core.story.assets import CSS, JS
from odibi_core.story.drift_view import drift_badge, drift_section
from odibi_core.story.heal_view import heal_badge, heal_section
from odibi_core.story.graph_view import node_anchor, render_graph

_CELL_CHARS = 300  # a sample cell longer than this is cut in the page (the JSON keeps it whole)
_STATUS_ORDER = ("failed", "warning", "skipped", "running", "pending", "success", "disabled")


def render_html(story: dict[str, Any]) -> str:
    """The whole page as a string (the caller writes it and masks it once more)."""
    nodes = story.get("nodes") or []
    title = f"{story.get('pipeline', '')} \u00b7 {story.get('status', '')} \u00b7 {story.get('run_id', '')}"
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>",
        _header(story),
        _run_warnings(story.get("warnings") or []),
        '<h2>Graph</h2>',
        render_graph(nodes, story.get("edges") or []),
        f'<h2>Nodes ({len(nodes)})</h2>',
        _toolbar(nodes),
        "".join(_node(n) for n in nodes),
        f'<footer>odibi story v{_e(story.get("story_version", ""))}, generated {_e(story.get("generated_at", ""))}'
        f' UTC. Sample rows are limited to {_e(story.get("max_sample_rows", ""))} per node.</footer>',
        f"</main><script>{JS}</script></body></html>",
    ]
    return "".join(parts)


# --- helpers -----------------------------------------------------------------------------------
def _e(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def fmt_num(value: Any) -> str:
    if value is None:
        return "\u2013"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def fmt_duration(seconds: Any) -> str:
    try:
        s = float(seconds or 0)
    except (TypeError, ValueError):
        return str(seconds)
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.2f} s"
    minutes, sec = divmod(int(round(s)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {sec:02d}s" if hours else f"{minutes}m {sec:02d}s"


def _when(ts: Any) -> str:
    if not ts:
        return "\u2013"
    text = str(ts).replace("T", " ")
    return text[:-6] if text.endswith("+00:00") else text  # the labels already say UTC


def _badge(status: Any, big: bool = False) -> str:
    st = _e(status or "pending")
    return f'<span class="badge s-{st}{" big" if big else ""}">{st}</span>'


def _kv(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td>{_e(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _cell(value: Any) -> str:
    if value is None:
        return '<td class="null">null</td>'
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    if len(text) > _CELL_CHARS:
        text = text[: _CELL_CHARS - 1] + "\u2026"
    num = ' class="num"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    return f"<td{num}>{_e(text)}</td>"


# --- run level ---------------------------------------------------------------------------------
def _header(s: dict[str, Any]) -> str:
    counts = s.get("counts") or {}
    chips = " ".join(f'<span class="chip s-{_e(k)}">{_e(k)} {_e(counts[k])}</span>'
                     for k in sorted(counts, key=lambda k: (_STATUS_ORDER + (k,)).index(k)))
    meta = [
        ("project", s.get("project")), ("pipeline", s.get("pipeline")), ("layer", s.get("layer")),
        ("run id", s.get("run_id")), ("env", s.get("env") or "default"), ("engine", s.get("engine")),
        ("started (UTC)", _when(s.get("started_at"))), ("ended (UTC)", _when(s.get("ended_at"))),
        ("duration", fmt_duration(s.get("duration_s"))), ("config", s.get("config_file")),
    ]
    if s.get("selection"):
        meta.append(("selection", json.dumps(s["selection"], ensure_ascii=False, default=str)))
    if s.get("dry_run"):
        meta.append(("dry run", "yes"))
    cells = "".join(f"<div><b>{_e(k)}</b>{_e(v if v not in (None, '') else chr(8211))}</div>" for k, v in meta)
    total = len(s.get("nodes") or [])
    return (f'<header class="run"><h1>{_e(s.get("pipeline"))} {_badge(s.get("status"), big=True)}</h1>'
            f'<div class="meta">{cells}</div>'
            f'<p><b>{total} node{"s" if total != 1 else ""}</b> {chips}</p></header>')


def _run_warnings(warnings: list[Any]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    return f'<h2>Warnings ({len(warnings)})</h2><ul class="warn">{items}</ul>'


def _toolbar(nodes: list[dict[str, Any]]) -> str:
    if not nodes:
        return ""
    present = {n.get("status") or "pending" for n in nodes}
    buttons = ['<button data-act="filter" class="on">all</button>']
    buttons += [f'<button data-act="filter" data-status="{_e(st)}">{_e(st)}</button>'
                for st in _STATUS_ORDER if st in present]
    buttons += ['<button data-act="open">expand all</button>', '<button data-act="close">collapse all</button>']
    return f'<div class="toolbar">{"".join(buttons)}</div>'


# --- node level --------------------------------------------------------------------------------
def _node(n: dict[str, Any]) -> str:
    status = n.get("status") or "pending"
    opened = " open" if status == "failed" else ""
    summary = (f'<span class="name">{_e(n.get("name"))}</span>{_badge(status)} '
               f'<span class="muted">{_e(fmt_duration(n.get("duration_s")))} \u00b7 '
               f'rows out {_e(fmt_num(n.get("rows_out")))}</span>{drift_badge(n)}{heal_badge(n)}')
    body = [_node_facts(n), _problems(n), heal_section(n), _schema(n), drift_section(n), _sample(n), _sql(n), _tests(n), _write(n),
            _metrics(n)]
    return (f'<details class="node s-{_e(status)}" id="{_e(node_anchor(str(n.get("name", ""))))}" '
            f'data-status="{_e(status)}"{opened}><summary>{summary}</summary>'
            f'<div class="body">{"".join(body)}</div></details>')


def _node_facts(n: dict[str, Any]) -> str:
    rows: list[tuple[str, Any]] = [
        ("status", _badge(n.get("status"))),
        ("duration", _e(fmt_duration(n.get("duration_s")))),
        ("attempts", _e(n.get("attempts"))),
        ("rows in / out / written", " / ".join(_e(fmt_num(n.get(k))) for k in ("rows_in", "rows_out", "rows_written"))),
        ("started \u2192 ended (UTC)", f'{_e(_when(n.get("started_at")))} \u2192 {_e(_when(n.get("ended_at")))}'),
    ]
    for key, label in (("transformer", "transformer"), ("layer", "layer")):
        if n.get(key):
            rows.append((label, _e(n[key])))
    if n.get("depends_on"):
        rows.append(("depends on", " ".join(
            f'<a href="#{_e(node_anchor(str(d)))}">{_e(d)}</a>' for d in n["depends_on"])))
    if n.get("tags"):
        rows.append(("tags", _e(", ".join(map(str, n["tags"])))))
    return _kv(rows)


def _problems(n: dict[str, Any]) -> str:
    out = []
    if n.get("error") or n.get("status") == "failed":
        kind = f"<b>{_e(n.get('error_type') or 'error')}</b>"
        hint = f'<p class="hint"><b>Suggestion:</b> {_e(n["suggestion"])}</p>' if n.get("suggestion") else ""
        out.append(f'<div class="err">{kind}<pre>{_e(n.get("error") or "failed without a message")}</pre>{hint}</div>')
    if n.get("skipped_reason"):
        out.append(f'<div class="skip"><b>skipped:</b> {_e(n["skipped_reason"])}</div>')
    if n.get("warnings"):
        out.append('<ul class="warn">' + "".join(f"<li>{_e(w)}</li>" for w in n["warnings"]) + "</ul>")
    return "".join(out)


def _schema(n: dict[str, Any]) -> str:
    schema_in = n.get("schema_in") or []
    schema_out = n.get("schema_out") or []
    if not schema_in and not schema_out:
        return ""
    added, removed = set(n.get("columns_added") or []), set(n.get("columns_removed") or [])
    type_in = {c.get("name"): c.get("type") for c in schema_in}
    rows = []
    for c in schema_out:
        name, typ = c.get("name"), c.get("type")
        if name in added or (schema_in and name not in type_in):
            cls, note = "added", "added"
        elif name in type_in and type_in[name] != typ:
            cls, note = "changed", f"type was {type_in[name]}"
        else:
            cls, note = "", ""
        rows.append(f'<tr class="{cls}"><td>{_e(name)}</td><td>{_e(typ)}</td><td>{_e(note)}</td></tr>')
    names_out = {c.get("name") for c in schema_out}
    for c in schema_in:
        name = c.get("name")
        if name in removed or (schema_out and name not in names_out):
            rows.append(f'<tr class="removed"><td>{_e(name)}</td><td>{_e(c.get("type"))}</td><td>removed</td></tr>')
    if not schema_out:  # failed before the output schema was known: show what came in
        rows = [f'<tr><td>{_e(c.get("name"))}</td><td>{_e(c.get("type"))}</td><td>input</td></tr>' for c in schema_in]
    summary = []
    if added:
        summary.append(f'<span class="added">+{len(added)} added</span>')
    if removed:
        summary.append(f'<span class="removed">\u2212{len(removed)} removed</span>')
    return (f'<h3>Schema ({len(schema_in)} in \u2192 {len(schema_out)} out) {" ".join(summary)}</h3>'
            f'<div class="scroll"><table><tr><th>column</th><th>type</th><th>change</th></tr>'
            f'{"".join(rows)}</table></div>')


def _sample(n: dict[str, Any]) -> str:
    rows = n.get("sample") or []
    if not rows:
        return ""
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(map(str, r.keys())))
    note = ' <span class="badge s-pending">masked</span>' if n.get("sample_masked") else ""
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(r.get(c)) for c in cols) + "</tr>" for r in rows)
    return (f"<h3>Sample ({len(rows)} row{'s' if len(rows) != 1 else ''}){note}</h3>"
            f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>')


def _sql(n: dict[str, Any]) -> str:
    stmts = n.get("sql") or []
    if not stmts:
        return ""
    return f"<h3>SQL executed ({len(stmts)})</h3>" + "".join(f"<pre>{_e(s)}</pre>" for s in stmts)


def _tests(n: dict[str, Any]) -> str:
    tests = n.get("tests") or []
    if not tests:
        return ""
    rows = []
    for t in tests:
        ok = t.get("passed")
        mark = '<span class="pass">passed</span>' if ok else '<span class="fail">failed</span>'
        rows.append(f'<tr><td>{_e(t.get("name"))}</td><td>{_e(t.get("type"))}</td><td>{mark}</td>'
                    f'<td class="num">{_e(fmt_num(t.get("failed_rows")))} / {_e(fmt_num(t.get("total_rows")))}</td>'
                    f'<td>{_e(t.get("on_fail"))}</td><td>{_e(t.get("message"))}</td></tr>')
    failed = sum(1 for t in tests if not t.get("passed"))
    return (f"<h3>Validation ({len(tests) - failed}/{len(tests)} passed)</h3><div class=\"scroll\"><table>"
            "<tr><th>test</th><th>type</th><th>result</th><th>failed rows / total</th><th>on_fail</th>"
            f"<th>message</th></tr>{''.join(rows)}</table></div>")


def _write(n: dict[str, Any]) -> str:
    if not (n.get("write_target") or n.get("write_mode")):
        return ""
    rows = [("target", _e(n.get("write_target"))), ("mode", _e(n.get("write_mode"))),
            ("rows written", _e(fmt_num(n.get("rows_written"))))]
    if n.get("write_version") is not None:
        rows.append(("version", _e(n["write_version"])))
    return "<h3>Write</h3>" + _kv(rows)


def _metrics(n: dict[str, Any]) -> str:
    metrics = n.get("metrics") or {}
    if not metrics:
        return ""
    rows = [(str(k), _e(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)))
            for k, v in metrics.items()]
    return "<h3>Metrics</h3>" + _kv(rows)
