"""The story's "Auto-heal" section of a node, from the attempts in ``node["heal"]``.

Each attempt shows what failed, what the healer proposed as a diff of the user's own SQL, how
the proposal was proven, and its outcome (proposed, applied in dev, refused in production, or
no valid fix with the rejected candidates). Plain dicts only: an old story renders as before.
"""

from __future__ import annotations

from html import escape
from typing import Any

_OUTCOME = {
    "proposed": ("s-warning", "proposed: review and accept it (odibi heal --accept ID or the Studio's Auto-Heal page)"),
    "applied": ("s-success", "applied to this run in memory; the YAML is unchanged until someone accepts it"),
    "refused": ("s-failed", "not applied: production refuses auto-heal apply; proposed only"),
    "unhealed": ("s-skipped", "no valid fix found"),
}


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def heal_badge(node: dict[str, Any]) -> str:
    attempts = node.get("heal") or []
    if any(a.get("status") == "applied" for a in attempts):
        return ' <span class="badge s-success" title="see the Auto-heal section">healed</span>'
    if any(a.get("after") for a in attempts):
        return ' <span class="badge s-warning" title="see the Auto-heal section">fix proposed</span>'
    return ""


def heal_section(node: dict[str, Any]) -> str:
    attempts = node.get("heal") or []
    if not attempts:
        return ""
    parts = ["<h4>Auto-heal</h4>"]
    for a in attempts:
        css, text = _OUTCOME.get(a.get("status"), ("s-skipped", a.get("status") or ""))
        head = (f'<p><span class="badge {css}">{_e(a.get("status"))}</span> heal <code>{_e(a.get("heal_id"))}</code>'
                f' \u00b7 round {_e(a.get("round"))} \u00b7 {_e(a.get("location") or "")}'
                + (f' ({_e(a.get("file"))})' if a.get("file") else "")
                + (f' \u00b7 {_e(a.get("strategy"))} ({_e(a.get("source"))})' if a.get("strategy") else "")
                + f'</p><p class="muted">{_e(text)}</p>')
        body = [head, f'<p><b>error</b> ({_e(a.get("error_class"))}):</p><pre>{_e(a.get("error"))}</pre>']
        if a.get("diff"):
            body.append(f'<pre class="diff">{_diff_html(a["diff"])}</pre>')
        if a.get("explanation"):
            body.append(f'<p>{_e(a["explanation"])}</p>')
        if a.get("validation"):
            body.append(f'<p class="muted">validated: {_e(a["validation"])}</p>')
        if a.get("rejected"):
            items = "".join(f'<li><code>{_e(r.get("strategy"))}</code>: {_e(r.get("reason"))}</li>'
                            for r in a["rejected"])
            body.append(f'<details><summary>{len(a["rejected"])} rejected candidate(s)</summary><ul>{items}</ul>'
                        f'</details>')
        parts.append(f'<div class="heal">{"".join(body)}</div>')
    return "".join(parts)


def _diff_html(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            out.append(f'<span class="add">{_e(line)}</span>')
        elif line.startswith("-") and not line.startswith("---"):
            out.append(f'<span class="del">{_e(line)}</span>')
        else:
            out.append(_e(line))
    return "\n".join(out)
