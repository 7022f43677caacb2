"""The parts of one node's editor: source, transform, validation, write and other settings.

Each section draws its widgets (initial values from the node's YAML, pickers from the
palettes, issues under the field they concern) and returns ``{key: new value or None}`` for the
node keys it manages; :mod:`studio.ui.builder_node` turns that into an edit of the YAML.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from odibi_core.config.models import NodeConfig, ReadConfig, WriteConfig
from odibi_core.workspace.builder import Issue, Palettes
from studio.ui import builder_state as state
from studio.ui.forms import model_form, yaml_widget

STEP_KINDS = ("sql", "sql_file", "operation", "function")
MAIN_KEYS = ("name", "description", "depends_on", "read", "transformer", "params", "transform", "validation", "write")


# --- issues at fields ------------------------------------------------------------------------
def message(issue: Issue) -> str:
    return issue.message + (f" ({issue.hint})" if issue.hint else "")


def under(issues: list[Issue], *keys) -> list[Issue]:
    """The node's issues whose key path continues with ``keys`` (after pipelines[i].nodes[j])."""
    n = len(keys)
    return [i for i in issues if tuple(i.path[4:4 + n]) == keys]


def by_field(issues: list[Issue], *keys) -> tuple[dict[str, list[str]], list[str]]:
    """Issues under ``keys`` split into {next key: messages} and the ones about the block itself."""
    fields: dict[str, list[str]] = {}
    rest: list[str] = []
    for i in under(issues, *keys):
        tail = i.path[4 + len(keys):]
        if tail and isinstance(tail[0], str):
            fields.setdefault(tail[0], []).append(message(i))
        else:
            rest.append(message(i))
    return fields, rest


def show_issues(messages: list[str]) -> None:
    for m in messages:
        st.markdown(f":red[:material/error: {m}]")


def _block_issues(fields: dict[str, list[str]], known) -> list[str]:
    """Issues about keys the form does not draw (a typo such as ``pth``) are shown with the block."""
    return [m for k, msgs in fields.items() if k not in known for m in msgs]


def _known(model) -> set[str]:
    return {f.alias or n for n, f in model.model_fields.items()}


# --- source ----------------------------------------------------------------------------------
def source(pipeline: str, i: int, node: dict, names: list[str], pal: Palettes, issues: list[Issue]) -> dict:
    others = [n for n in names if n != node.get("name")]
    current = [str(d) for d in node.get("depends_on") or []] if isinstance(node.get("depends_on"), list) else []
    deps = st.multiselect("Depends on", others + [d for d in current if d not in others], default=current,
                          key=f"bn.{i}.depends_on", help="nodes of this pipeline whose output this node uses; "
                          "without a read, the first one is its input", **state.touch("depends_on"))
    show_issues([message(x) for x in under(issues, "depends_on")])
    read = node.get("read") if isinstance(node.get("read"), dict) else None
    on = st.checkbox("Read from a connection", value=read is not None, key=f"bn.{i}.read.on", **state.touch("read"))
    new_read = None
    if on:
        fields, rest = by_field(issues, "read")
        show_issues(rest + _block_issues(fields, _known(ReadConfig)))
        new_read = model_form(ReadConfig, read or {}, f"bn.{i}.read", issues=fields, choices={
            "connection": list(pal.connections), "format": [f.name for f in pal.formats]},
            on_change=state.touched, touch="read", advanced=("options", "filter", "incremental", "time_travel"))
    if isinstance(node.get("inputs"), dict) and node["inputs"]:
        st.caption("Inputs from other pipelines: " + ", ".join(f"`{k}` ← `{v}`" if isinstance(v, str) else f"`{k}`"
                                                           for k, v in node["inputs"].items())
                   + " (edit them under More)")
    return {"depends_on": deps, "read": new_read}


# --- transformer and steps -------------------------------------------------------------------
def transform(pipeline: str, i: int, node: dict, pal: Palettes, issues: list[Issue]) -> dict:
    names = list(pal.transformers)
    current = node.get("transformer")
    options = [None] + names + ([current] if current and current not in names else [])
    chosen = st.selectbox("Transformer", options, index=options.index(current) if current in options else 0,
                          key=f"bn.{i}.transformer", format_func=lambda n: "(none)" if n is None else n,
                          help="the node's main transformer or pattern; its params form follows",
                          **state.touch("transformer", "params"))
    show_issues([message(x) for x in under(issues, "transformer")])
    params = None
    if chosen in pal.transformers:
        info = pal.transformers[chosen]
        if info.description:
            st.caption(info.description)
        if info.writes_target:
            st.caption(":orange[This transformer writes to its target table when the node runs; "
                       "Preview skips it.]")
        fields, rest = by_field(issues, "params")
        show_issues(rest + _block_issues(fields, _known(info.params_model)))
        same = current == chosen and isinstance(node.get("params"), dict)
        params = model_form(info.params_model, node["params"] if same else {}, f"bn.{i}.tp.{chosen}", issues=fields,
                            on_change=state.touched, touch="params")
    st.markdown("**Transform steps**")
    tr = node.get("transform") if isinstance(node.get("transform"), dict) else {}
    steps = tr.get("steps") if isinstance(tr.get("steps"), list) else []
    new_steps = [_step(pipeline, i, j, s if isinstance(s, dict) else {}, pal, issues) for j, s in enumerate(steps)]
    show_issues([message(x) for x in under(issues, "transform") if len(x.path) <= 6])
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    kind = c1.selectbox("New step", STEP_KINDS, key=f"bn.{i}.new_step")
    c2.button("Add step", key=f"bn.{i}.add_step", on_click=_add_step, args=(pipeline, i, kind, names))
    transform_block = {k: v for k, v in tr.items() if k != "steps"}
    if new_steps:
        transform_block["steps"] = new_steps
    return {"transformer": chosen, "params": params, "transform": transform_block or None}


def _step(pipeline: str, i: int, j: int, step: dict, pal: Palettes, issues: list[Issue]) -> dict:
    kind = next((k for k in STEP_KINDS if step.get(k)), "sql")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    new_kind = c1.selectbox(f"Step {j + 1}", STEP_KINDS, index=STEP_KINDS.index(kind), key=f"bn.{i}.s{j}.kind",
                            **state.touch("transform"))
    c2.button("Remove step", key=f"bn.{i}.s{j}.rm", on_click=_remove_item, args=(pipeline, i, ("transform", "steps"), j))
    old = step.get(kind) if new_kind == kind else None
    out = {k: v for k, v in step.items() if k not in STEP_KINDS + ("params",)}
    fields, rest = by_field(issues, "transform", "steps", j)
    if new_kind == "sql":
        out["sql"] = st.text_area("SQL (the current frame is df)", value=old or "", key=f"bn.{i}.s{j}.sql", height=110,
                                  **state.touch("transform"))
    elif new_kind == "sql_file":
        out["sql_file"] = st.text_input("SQL file (relative to the project)", value=old or "", key=f"bn.{i}.s{j}.file",
                                        **state.touch("transform"))
    else:
        names = list(pal.transformers)
        opts = names + ([old] if old and old not in names else [])
        name = st.selectbox(new_kind.capitalize(), opts, index=opts.index(old) if old in opts else None,
                            key=f"bn.{i}.s{j}.{new_kind}", placeholder="choose a transformer…",
                            **state.touch("transform"))
        out[new_kind] = name
        if name in pal.transformers:
            pfields = {k: v for k, v in by_field(issues, "transform", "steps", j, "params")[0].items()}
            same = name == old and isinstance(step.get("params"), dict)
            params = model_form(pal.transformers[name].params_model, step["params"] if same else {},
                                f"bn.{i}.s{j}.p.{name}", issues=pfields, on_change=state.touched, touch="transform")
            if params:
                out["params"] = params
    show_issues(rest + [m for k, msgs in fields.items() if k != "params" for m in msgs])
    return out


def _add_step(pipeline: str, i: int, kind: str, names: list[str]) -> None:
    default = {"sql": {"sql": "SELECT * FROM df"}, "sql_file": {"sql_file": "sql/new_step.sql"},
               "operation": {"operation": "filter_rows" if "filter_rows" in names else names[0]},
               "function": {"function": names[0]}}[kind]
    _append(pipeline, i, ("transform", "steps"), default)


# --- validation ------------------------------------------------------------------------------
def validation(pipeline: str, i: int, node: dict, pal: Palettes, issues: list[Issue]) -> dict:
    val = node.get("validation") if isinstance(node.get("validation"), dict) else {}
    tests = val.get("tests") if isinstance(val.get("tests"), list) else []
    new_tests = []
    for j, test in enumerate(tests):
        test = test if isinstance(test, dict) else {}
        kinds = list(pal.tests) + ([test.get("type")] if test.get("type") and test.get("type") not in pal.tests else [])
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        kind = c1.selectbox(f"Test {j + 1}", kinds, index=kinds.index(test["type"]) if test.get("type") in kinds
                            else None, key=f"bn.{i}.t{j}.type", placeholder="choose a test…",
                            **state.touch("validation"))
        c2.button("Remove test", key=f"bn.{i}.t{j}.rm", on_click=_remove_item,
                  args=(pipeline, i, ("validation", "tests"), j))
        fields, rest = by_field(issues, "validation", "tests", j)
        show_issues(rest + fields.pop("type", []))
        if kind in pal.tests:
            body = model_form(pal.tests[kind], test if kind == test.get("type") else {}, f"bn.{i}.t{j}.{kind}",
                              exclude=("type",), issues=fields, on_change=state.touched, touch="validation")
            new_tests.append({"type": kind, **body})
        else:
            new_tests.append(test)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    kind = c1.selectbox("New test", list(pal.tests), key=f"bn.{i}.new_test")
    c2.button("Add test", key=f"bn.{i}.add_test", on_click=_append,
              args=(pipeline, i, ("validation", "tests"), {"type": kind}))
    fields, rest = by_field(issues, "validation")
    show_issues(rest + [m for k, msgs in fields.items() if k != "tests" for m in msgs])
    out = {k: v for k, v in val.items() if k not in ("tests", "mode", "quarantine", "gate")}
    if new_tests or val:
        mode = st.selectbox("When a test fails", ["fail", "warn"], index=1 if val.get("mode") == "warn" else 0,
                            key=f"bn.{i}.vmode", help="fail: the node fails; warn: it goes on and records a warning",
                            **state.touch("validation"))
        if mode != "fail" or "mode" in val:
            out["mode"] = mode
        for part in ("quarantine", "gate"):
            value, _ = yaml_widget(part.capitalize() + " (YAML)", val.get(part), f"bn.{i}.v{part}",
                                   "quarantine: {connection, path} for rows of tests with on_fail: quarantine"
                                   if part == "quarantine" else "gate: {require_pass_rate, on_fail}",
                                   **state.touch("validation"))
            if value not in (None, "", {}):
                out[part] = value
    if new_tests:
        out["tests"] = new_tests
    return {"validation": out or None}


# --- write -----------------------------------------------------------------------------------
def write(pipeline: str, i: int, node: dict, pal: Palettes, issues: list[Issue]) -> dict:
    cur = node.get("write") if isinstance(node.get("write"), dict) else None
    if not st.checkbox("Write the result", value=cur is not None, key=f"bn.{i}.write.on", **state.touch("write")):
        return {"write": None}
    cur = cur or {}
    fields, rest = by_field(issues, "write")
    show_issues(rest + _block_issues(fields, _known(WriteConfig)))
    body = model_form(WriteConfig, {k: v for k, v in cur.items() if k != "options"}, f"bn.{i}.write",
                      exclude=("options",), issues={k: v for k, v in fields.items() if k != "options"}, choices={
                          "connection": list(pal.connections), "mode": pal.write_modes,
                          "format": [f.name for f in pal.formats if f.writable]},
                      on_change=state.touched, touch="write", advanced=("partition_by", "merge_schema", "add_metadata"))
    options = dict(cur.get("options") or {}) if isinstance(cur.get("options"), dict) else {}
    keys = st.text_input("Key columns (options.keys)", value=", ".join(map(str, options.get("keys") or [])),
                         key=f"bn.{i}.write.keys", help="comma-separated; needed by upsert, merge and append_once",
                         **state.touch("write"))
    other, _ = yaml_widget("Other options (YAML)", {k: v for k, v in options.items() if k != "keys"} or None,
                           f"bn.{i}.write.options", "format options, e.g. {delimiter: ';'}", **state.touch("write"))
    show_issues(fields.get("options", []))
    new_options = dict(other) if isinstance(other, dict) else {}
    key_list = [k.strip() for k in keys.split(",") if k.strip()]
    if key_list:
        new_options["keys"] = key_list
    if new_options:
        body["options"] = new_options
    return {"write": body}


# --- everything else (generated from the node model) -----------------------------------------
def more(pipeline: str, i: int, node: dict, issues: list[Issue]) -> dict:
    fields, _ = by_field(issues)
    managed = [k for k in _known(NodeConfig) if k not in MAIN_KEYS]
    values = model_form(NodeConfig, {k: v for k, v in node.items() if k in managed}, f"bn.{i}.more",
                        exclude=MAIN_KEYS, issues={k: v for k, v in fields.items() if k in managed},
                        on_change=state.touched)
    return {k: values.get(k) for k in managed}


# --- list edits (callbacks: they run before the next render) ---------------------------------
def _append(pipeline: str, i: int, where: tuple[str, str], item: dict) -> None:
    def change(doc):
        node = doc.node(pipeline, i)
        block = node.get(where[0]) if isinstance(node.get(where[0]), dict) else {}
        items = block.get(where[1]) if isinstance(block.get(where[1]), list) else []
        doc.replace_node(pipeline, i, {**node, where[0]: {**block, where[1]: items + [item]}})

    state.edit(change)


def _remove_item(pipeline: str, i: int, where: tuple[str, str], j: int) -> None:
    def change(doc):
        node = doc.node(pipeline, i)
        block = dict(node.get(where[0]) or {})
        items = list(block.get(where[1]) or [])
        del items[j]
        if items:
            block[where[1]] = items
        else:
            block.pop(where[1], None)
        if block:
            node[where[0]] = block
        else:
            node.pop(where[0], None)
        doc.replace_node(pipeline, i, node)

    state.edit(change)


def normalize(value: Any) -> Any:
    """Empty values (None, "", [], {}) dropped recursively: a form's "nothing" equals a missing key."""
    if isinstance(value, dict):
        out = {k: normalize(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value
