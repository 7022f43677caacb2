"""Round-trip editing of a project file: the Builder changes nodes, the rest of the file stays as written.

Why not just ``yaml.dump``: users keep comments, key order and ``{flow: style}`` in their
odibi.yaml, and a form that rewrites the whole file would destroy them. So an edit is a *text
splice*: the node (or pipeline) being changed is cut out of the text, parsed alone with
ruamel.yaml's round-trip parser (which keeps its comments and styles), changed, rendered and put
back at the same place and indentation. Everything else stays byte for byte, by construction;
adding, removing and reordering nodes move whole text chunks (with the comment lines above them).

Why per item: ruamel's parser is pure Python (about 1 s per 1000 lines), too slow to reparse a
200-node file on every click; one node is a few milliseconds. Positions come from libyaml's
marks (fast). When a layout does not allow splicing (flow-style lists, aliases across nodes, no
``pipelines`` block yet), the edit falls back to :class:`~odibi_core.workspace.yaml_full.FullDoc`,
which edits a tree of the whole file. Every splice is checked to parse back to the intended data.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from odibi_core.workspace.yaml_full import FullDoc
from odibi_core.workspace.yaml_rt import (
    FAST_LOADER,
    NODE_KEYS,
    PIPELINE_KEYS,
    Item,
    NoSplice,
    Seq,
    YamlDocError,
    guess_indent,
    join_chunks,
    key_path,
    load_plain,
    new_yaml,
    ordered,
    pipeline_names,
    pipeline_nodes,
    pipelines_spans,
    reindent,
    separators,
    set_in,
    strip_directive,
    to_plain,
    to_ruamel,
    unset_in,
    update_in_place,
)

__all__ = ["YamlDoc", "YamlDocError", "load_plain", "pipeline_names", "pipeline_nodes", "to_plain"]


class YamlDoc:
    """A project file's text, edited structurally; :meth:`dump` returns the new text."""

    def __init__(self, text: str = "") -> None:
        self.original = text
        self.text = text
        self._indent = guess_indent(text)
        self._plain: dict | None = load_plain(text)  # syntax errors and wrong shapes are refused here
        self._spans: Seq | None = None

    @classmethod
    def from_file(cls, path) -> YamlDoc:
        return cls(Path(path).read_text(encoding="utf-8"))

    def dump(self) -> str:
        return self.text

    # --- reading (fast: libyaml) --------------------------------------------------------------
    def plain(self) -> dict:
        if self._plain is None:
            self._plain = load_plain(self.text)
        return self._plain

    def pipelines(self) -> list[str]:
        return pipeline_names(self.plain())

    def pipeline(self, name: str) -> dict:
        """The pipeline's keys (without its nodes)."""
        return {k: v for k, v in self._pipe_data(name)[1].items() if k != "nodes"}

    def nodes(self, pipeline: str) -> list[dict]:
        self._pipe_data(pipeline)
        return pipeline_nodes(self.plain(), pipeline)

    def node(self, pipeline: str, node: str | int) -> dict:
        return dict(self._node_data(pipeline, node)[1])

    def node_index(self, pipeline: str, node: str | int) -> int:
        return self._node_data(pipeline, node)[0]

    # --- node edits ---------------------------------------------------------------------------
    def replace_node(self, pipeline: str, node: str | int, body: dict) -> None:
        """The node becomes ``body``; keys that keep their value keep their comments and style."""
        self._edit_node(pipeline, node, lambda cm: update_in_place(cm, body, NODE_KEYS),
                        lambda d: d.replace_node(pipeline, node, body))

    def set_key(self, pipeline: str, node: str | int, path: str | tuple, value: Any) -> None:
        """Set one key of a node (``"read.path"`` or ``("read", "path")``), creating blocks on the way."""
        keys = key_path(path)
        self._edit_node(pipeline, node, lambda cm: set_in(cm, keys, value),
                        lambda d: d.set_key(pipeline, node, keys, value))

    def edit_node(self, pipeline: str, node: str | int, change: Callable[[CommentedMap], Any]) -> None:
        """Apply ``change`` to the node's round-trip mapping (comments and style of the rest kept)."""
        def fallback(d: FullDoc) -> None:
            change(d._node(pipeline, node)[1])
            d._dirty = True

        self._edit_node(pipeline, node, change, fallback)

    def unset_key(self, pipeline: str, node: str | int, path: str | tuple) -> None:
        """Remove a key of a node; blocks left empty by it are removed too."""
        keys = key_path(path)
        self._edit_node(pipeline, node, lambda cm: unset_in(cm, keys), lambda d: d.unset_key(pipeline, node, keys))

    def rename_node(self, pipeline: str, node: str | int, new_name: str) -> None:
        """Rename, and follow the rename in ``depends_on`` (same pipeline) and ``$pipeline.node`` inputs."""
        idx, data = self._node_data(pipeline, node)
        old = str(data.get("name"))
        if old == new_name:
            return
        self.set_key(pipeline, idx, "name", new_name)
        ref = f"${pipeline}.{old}"
        for pname in self.pipelines():
            for j, other in enumerate(self.nodes(pname)):
                deps = other.get("depends_on")
                if pname == pipeline and isinstance(deps, list) and old in deps:
                    self.set_key(pname, j, "depends_on", [new_name if d == old else d for d in deps])
                inputs = other.get("inputs")
                if isinstance(inputs, dict) and ref in inputs.values():
                    self.set_key(pname, j, "inputs", {a: (f"${pipeline}.{new_name}" if v == ref else v)
                                                      for a, v in inputs.items()})

    def add_node(self, pipeline: str, node: dict, index: int | None = None) -> int:
        pi, _ = self._pipe_data(pipeline)
        count = len(self.nodes(pipeline))
        pos = count if index is None else max(0, min(index, count))
        body = ordered(node, NODE_KEYS)
        try:
            seq = self._node_seq(pi)
            chunk = self._render_item(body, seq.dash_col)
            self._insert_chunk(seq, pos, chunk)
        except NoSplice:
            self._edit_pipeline(pipeline, lambda cm: _insert_node(cm, body, pos),
                                lambda d: d.add_node(pipeline, node, pos))
        return pos

    def remove_node(self, pipeline: str, node: str | int) -> None:
        pi, _ = self._pipe_data(pipeline)
        ni, _ = self._node_data(pipeline, node)
        try:
            seq = self._node_seq(pi)
            if len(seq.items) < 2:
                raise NoSplice()  # the last node: "nodes:" must become "nodes: []"
            self._delete_chunk(seq, ni)
        except NoSplice:
            self._edit_pipeline(pipeline, lambda cm: cm["nodes"].pop(ni), lambda d: d.remove_node(pipeline, ni))

    def move_node(self, pipeline: str, node: str | int, to: int) -> int:
        pi, _ = self._pipe_data(pipeline)
        ni, _ = self._node_data(pipeline, node)
        to = max(0, min(to, len(self.nodes(pipeline)) - 1))
        if to == ni:
            return to
        try:
            seq = self._node_seq(pi)
            order = list(range(len(seq.items)))
            order.insert(to, order.pop(ni))
            chunks = [self.text[seq.items[k].start:seq.items[k].end] for k in order]
            self._set_text(self.text[:seq.start] + join_chunks(chunks, separators(self.text, seq))
                           + self.text[seq.end:])
        except NoSplice:
            self._full(lambda d: d.move_node(pipeline, ni, to))
        return to

    # --- pipeline edits -----------------------------------------------------------------------
    def add_pipeline(self, name: str, *, layer: str | None = None, index: int | None = None, **fields: Any) -> None:
        if name in self.pipelines():
            raise YamlDocError(f"pipeline '{name}' exists already")
        body = {"pipeline": name, **({"layer": layer} if layer else {}), **fields}
        body.setdefault("nodes", [])
        body = ordered(body, PIPELINE_KEYS)
        try:
            seq = self._pipes_seq()
            pos = len(seq.items) if index is None else max(0, min(index, len(seq.items)))
            self._insert_chunk(seq, pos, self._render_item(body, seq.dash_col))
        except NoSplice:
            self._full(lambda d: d.add_pipeline(name, layer=layer, index=index, **fields))

    def replace_pipeline(self, name: str, body: dict) -> None:
        """Set the pipeline's keys (and nodes, when ``body`` has them) in place."""
        def change(cm: CommentedMap) -> None:
            new = dict(body)
            new.setdefault("nodes", to_plain(cm.get("nodes", [])))
            update_in_place(cm, new, PIPELINE_KEYS)

        self._edit_pipeline(name, change, lambda d: d.replace_pipeline(name, body))

    def remove_pipeline(self, name: str) -> None:
        pi, _ = self._pipe_data(name)
        try:
            seq = self._pipes_seq()
            if len(seq.items) < 2:
                raise NoSplice()
            self._delete_chunk(seq, pi)
        except NoSplice:
            self._full(lambda d: d.remove_pipeline(name))

    # --- splicing -----------------------------------------------------------------------------
    def _set_text(self, text: str) -> None:
        self.text, self._plain, self._spans = text, None, None

    def _full(self, change: Callable[[FullDoc], Any]) -> None:
        doc = FullDoc(self.text)
        change(doc)
        self._set_text(doc.dump())

    def _pipes_seq(self) -> Seq:
        if self._spans is None:
            self._spans = pipelines_spans(self.text)
        return self._spans

    def _node_seq(self, pi: int) -> Seq:
        seq = self._pipes_seq().items[pi].nodes
        if seq is None:
            raise NoSplice()
        return seq

    def _edit_node(self, pipeline: str, node: str | int, change, fallback) -> None:
        pi, _ = self._pipe_data(pipeline)
        ni, _ = self._node_data(pipeline, node)
        try:
            seq = self._node_seq(pi)
            self._edit_item(seq.items[ni], seq.dash_col, change)
        except NoSplice:
            self._full(fallback)

    def _edit_pipeline(self, pipeline: str, change, fallback) -> None:
        pi, _ = self._pipe_data(pipeline)
        try:
            seq = self._pipes_seq()
            self._edit_item(seq.items[pi], seq.dash_col, change)
        except NoSplice:
            self._full(fallback)

    def _edit_item(self, item: Item, col: int, change: Callable[[CommentedMap], Any]) -> None:
        """Parse one list item's text alone, change it, render it back in place."""
        local = reindent(self.text[item.dash:item.end], -col)
        yaml = new_yaml(self._indent)
        try:
            data = yaml.load(local)
        except YAMLError:
            raise NoSplice() from None  # e.g. an alias to an anchor outside the item
        if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], CommentedMap):
            raise NoSplice()
        change(data[0])
        chunk = self._render(data, col)
        if pyyaml.load(chunk, Loader=FAST_LOADER) != [to_plain(data[0])]:
            raise NoSplice()
        self._set_text(self.text[:item.dash] + chunk + self.text[item.end:])

    def _render_item(self, body: dict, col: int) -> str:
        cm = to_ruamel(body)
        cm.fa.set_block_style()
        chunk = self._render([cm], col)
        if pyyaml.load(chunk, Loader=FAST_LOADER) != [body]:
            raise NoSplice()
        return chunk

    def _render(self, data: list, col: int) -> str:
        buf = io.StringIO()
        new_yaml(self._indent).dump(data, buf)
        out = strip_directive(buf.getvalue())
        first = out.lstrip("\n")
        return reindent(out, col - (len(first) - len(first.lstrip(" "))))

    def _insert_chunk(self, seq: Seq, pos: int, chunk: str) -> None:
        seps = [s for s in separators(self.text, seq) if not s.strip()]
        sep = max(set(seps), key=seps.count) if seps else ""
        text = self.text
        if pos >= len(seq.items):
            at = seq.end
            lead = "" if text[:at].endswith("\n") else "\n"
            new = text[:at] + lead + sep + chunk + text[at:]
        else:
            at = seq.items[pos].start
            new = text[:at] + chunk + sep + text[at:]
        self._set_text(new)

    def _delete_chunk(self, seq: Seq, k: int) -> None:
        items, text = seq.items, self.text
        item = items[k]
        if k + 1 < len(items):
            gap = text[item.end:items[k + 1].start]
            lo, hi = item.start, (items[k + 1].start if not gap.strip() else item.end)
        else:
            gap = text[items[k - 1].end:item.start]
            lo, hi = (items[k - 1].end if not gap.strip() else item.start), item.end
        self._set_text(text[:lo] + text[hi:])

    # --- lookups ------------------------------------------------------------------------------
    def _pipe_data(self, name: str) -> tuple[int, dict]:
        pipes = self.plain().get("pipelines")
        for i, p in enumerate(pipes if isinstance(pipes, list) else []):
            if isinstance(p, dict) and str(p.get("pipeline")) == name:
                return i, p
        raise YamlDocError(f"no pipeline '{name}' in the file")

    def _node_data(self, pipeline: str, node: str | int) -> tuple[int, dict]:
        _, pipe = self._pipe_data(pipeline)
        nodes = pipe.get("nodes") if isinstance(pipe.get("nodes"), list) else []
        if isinstance(node, int):
            if 0 <= node < len(nodes) and isinstance(nodes[node], dict):
                return node, nodes[node]
            raise YamlDocError(f"pipeline '{pipeline}' has no node number {node + 1}")
        for i, n in enumerate(nodes):
            if isinstance(n, dict) and str(n.get("name")) == node:
                return i, n
        raise YamlDocError(f"no node '{node}' in pipeline '{pipeline}'")


def _insert_node(pipe: CommentedMap, body: dict, pos: int) -> None:
    """Add a node to a pipeline parsed alone (its node list was empty or flow-style)."""
    nodes = pipe.get("nodes")
    cm = to_ruamel(body)
    cm.fa.set_block_style()
    if not isinstance(nodes, list):
        nodes = to_ruamel([])
        pipe["nodes"] = nodes
    if not nodes:
        nodes.fa.set_block_style()
    nodes.insert(pos, cm)

