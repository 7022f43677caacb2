"""The story's drift badge and "Drift" section of a node, from the findings in ``node["drift"]``.

Separate from :mod:`odibi_core.story.html` so the page module stays about layout; this one
knows the findings' shape (see :meth:`odibi_core.drift.detect.NodeDrift.findings`). It reads
plain dicts only, so an old story without drift renders as before.
"""

from __future__ import annotations

from html import escape
from typing import Any


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "\u2013"
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return _e(value)


def drift_badge(node: dict[str, Any]) -> str:
    """A red "drift: fail", an amber "drift" when anything drifted, nothing otherwise."""
    findings = node.get("drift") or []
    if any(f.get("fail") for f in findings):
        return ' <span class="badge s-failed" title="schema drift failed the run">drift: fail</span>'
    if any(f.get("anomaly") for f in findings):
        return ' <span class="badge s-warning" title="see the Drift section">drift</span>'
    return ""


def drift_section(node: dict[str, Any]) -> str:
    findings = node.get("drift") or []
    if not findings:
        return ""
    parts = []
    for f in findings:
        if f.get("check") == "row_count":
            parts.append(_row_count(f))
        elif f.get("check") == "schema":
            parts.append(_schema(f))
    flagged = sum(1 for f in findings if f.get("anomaly"))
    head = f"{flagged} finding{'s' if flagged != 1 else ''}" if flagged else "no drift"
    return f'<h3>Drift ({_e(head)})</h3>' + "".join(parts)


def _verdict(f: dict[str, Any]) -> str:
    if f.get("fail"):
        return '<span class="fail">failed the run</span>'
    return '<span class="fail">anomaly</span>' if f.get("anomaly") else '<span class="pass">ok</span>'


def _row_count(f: dict[str, Any]) -> str:
    method = f.get("method")
    score = f.get("score")
    if method in ("robust_z", "mean_ad_z"):
        shown = "\u2013" if score is None else f"z {float(score):+.2f} (threshold {f.get('threshold'):g})"
    elif method in ("pct_change", "pct_of_median"):
        shown = "from 0" if score is None else f"{float(score):+.1f}% (threshold {f.get('threshold'):g}%)"
    else:
        shown = "\u2013"
    expected = ("\u2013" if f.get("expected_low") is None
                else f"{_num(f.get('expected_low'))} \u2013 {_num(f.get('expected_high'))}")
    return ('<table class="kv drift"><tr><th colspan="2">row count</th></tr>'
            f'<tr><td>rows</td><td class="num">{_num(f.get("rows"))}</td></tr>'
            f'<tr><td>reference</td><td class="num">{_num(f.get("reference"), 1)}</td></tr>'
            f'<tr><td>expected range</td><td>{_e(expected)}</td></tr>'
            f'<tr><td>score</td><td>{_e(shown)}</td></tr>'
            f'<tr><td>method</td><td>{_e(method)} over {_e(f.get("history_runs"))} earlier run(s)</td></tr>'
            f'<tr><td>result</td><td>{_verdict(f)}</td></tr></table>'
            f'<p class="muted">{_e(f.get("message"))}</p>')


def _schema(f: dict[str, Any]) -> str:
    against = "pinned baseline" if f.get("against") == "baseline" else "previous successful run"
    title = f'schema vs {against} <span class="muted">({_e(f.get("reference_run_id"))})</span> {_verdict(f)}'
    changes = f.get("changes") or []
    if not changes:
        return f"<p>{title}: unchanged</p>"
    cls = {"added": "added", "removed": "removed", "retyped": "changed"}
    rows = "".join(f'<tr class="{cls.get(c.get("change"), "")}"><td>{_e(c.get("column"))}</td>'
                   f'<td>{_e(c.get("change"))}</td><td>{_e(c.get("old_type"))}</td><td>{_e(c.get("new_type"))}</td></tr>'
                   for c in changes)
    return (f"<p>{title}</p><div class=\"scroll\"><table><tr><th>column</th><th>change</th><th>was</th>"
            f"<th>now</th></tr>{rows}</table></div>")
