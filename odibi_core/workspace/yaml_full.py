"""The fallback editor: the whole file as one ruamel tree, rendered and spliced back.

:class:`odibi_core.workspace.yaml_doc.YamlDoc` edits one node's (or one pipeline's) text at a
time. When a file's layout does not allow that (flow-style lists of pipelines or nodes, no
``pipelines`` block yet, aliases across nodes), the edit is applied here instead: to a ruamel
round-trip tree of the whole file, which keeps comments and styles of what it touches. On
:meth:`FullDoc.dump`, every pipeline and node whose data did not change is still copied byte
for byte from the original text where the spans allow; otherwise ruamel's rendering is used.
A final check guarantees the text always parses back to the edited data.
"""

from __future__ import annotations

import io
from typing import Any

import yaml as pyyaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from odibi_core.workspace.yaml_rt import (
    FAST_LOADER,
    NODE_KEYS,
    PIPELINE_KEYS,
    Item,
    NoSplice,
    Seq,
    YamlDocError,
    guess_indent,
    insert_ordered,
    join_chunks,
    key_path,
    new_yaml,
    ordered,
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


class FullDoc:
    """The whole file as one ruamel tree; the same edits as :class:`YamlDoc`, for layouts it cannot splice."""

    def __init__(self, text: str = "") -> None:
        self.original = text
        self._indent = guess_indent(text)
        self._yaml = new_yaml(self._indent)
        try:
            data = self._yaml.load(text) if text.strip() else None
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise YamlDocError(f"the YAML cannot be read{where}: {problem}") from None
        if data is None:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise YamlDocError("the top level of a project file must be a mapping of keys")
        self.data: CommentedMap = data
        self._dirty = False
        # what each pipeline / node looked like when loaded, by object identity (edits keep the objects)
        self._orig: dict[int, tuple[Any, Any, int]] = {}
        self._orig_top = self._top_plain()
        pipes = data.get("pipelines")
        if isinstance(pipes, list):
            for pi, pipe in enumerate(pipes):
                self._orig[id(pipe)] = (pipe, to_plain(pipe), pi)
                nodes = pipe.get("nodes") if isinstance(pipe, dict) else None
                for ni, node in enumerate(nodes if isinstance(nodes, list) else []):
                    self._orig[id(node)] = (node, to_plain(node), ni)

    def plain(self) -> dict:
        return to_plain(self.data)

    def pipelines(self) -> list[str]:
        return [str(p.get("pipeline")) for p in self._pipes() if isinstance(p, dict)]

    # --- pipelines ------------------------------------------------------------------------
    def add_pipeline(self, name: str, *, layer: str | None = None, index: int | None = None, **fields: Any) -> None:
        if name in self.pipelines():
            raise YamlDocError(f"pipeline '{name}' exists already")
        body = {"pipeline": name, **({"layer": layer} if layer else {}), **fields}
        body.setdefault("nodes", [])
        pipes = self.data.get("pipelines")
        if not isinstance(pipes, list):
            pipes = CommentedSeq()
            insert_ordered(self.data, "pipelines", pipes, ("project", "engine", "description", "version", "owner",
                                                             "vars", "imports", "connections", "story", "system",
                                                             "pipelines"))
        cm = to_ruamel(body)
        cm.fa.set_block_style()
        pipes.insert(len(pipes) if index is None else index, cm)
        self._dirty = True

    def replace_pipeline(self, name: str, body: dict) -> None:
        """Set the pipeline's keys (and nodes, when ``body`` has them) in place."""
        pipe = self._pipe(name)
        new = dict(body)
        if "nodes" not in new:
            new["nodes"] = to_plain(pipe.get("nodes", []))
        update_in_place(pipe, new, PIPELINE_KEYS)
        self._dirty = True

    def remove_pipeline(self, name: str) -> None:
        pipes = self._pipes()
        pipes.remove(self._pipe(name))
        self._dirty = True

    # --- nodes ----------------------------------------------------------------------------
    def add_node(self, pipeline: str, node: dict, index: int | None = None) -> int:
        seq = self._node_seq(self._pipe(pipeline), create=True)
        cm = to_ruamel(ordered(node, NODE_KEYS))
        cm.fa.set_block_style()
        pos = len(seq) if index is None else max(0, min(index, len(seq)))
        seq.insert(pos, cm)
        self._dirty = True
        return pos

    def replace_node(self, pipeline: str, node: str | int, body: dict) -> None:
        """The node becomes ``body``; keys that keep their value keep their comments and style."""
        _, cm = self._node(pipeline, node)
        update_in_place(cm, body, NODE_KEYS)
        self._dirty = True

    def remove_node(self, pipeline: str, node: str | int) -> None:
        idx, _ = self._node(pipeline, node)
        del self._node_seq(self._pipe(pipeline))[idx]
        self._dirty = True

    def move_node(self, pipeline: str, node: str | int, to: int) -> int:
        seq = self._node_seq(self._pipe(pipeline))
        idx, cm = self._node(pipeline, node)
        to = max(0, min(to, len(seq) - 1))
        if to != idx:
            del seq[idx]
            seq.insert(to, cm)
            self._dirty = True
        return to

    def set_key(self, pipeline: str, node: str | int, path: str | tuple, value: Any) -> None:
        set_in(self._node(pipeline, node)[1], key_path(path), value)
        self._dirty = True

    def unset_key(self, pipeline: str, node: str | int, path: str | tuple) -> None:
        if unset_in(self._node(pipeline, node)[1], key_path(path)):
            self._dirty = True

    # --- output ---------------------------------------------------------------------------
    def dump(self) -> str:
        """The edited text: unchanged parts byte for byte, changed parts rendered by ruamel."""
        if not self._dirty:
            return self.original
        full = self._render()
        try:
            text = self._splice(full)
        except NoSplice:
            return full
        try:  # the splice is an optimisation for fidelity; it must never change the meaning
            if pyyaml.load(text, Loader=FAST_LOADER) == self.plain():
                return text
        except pyyaml.YAMLError:
            pass
        return full

    def _render(self) -> str:
        buf = io.StringIO()
        self._yaml.dump(self.data, buf)
        return strip_directive(buf.getvalue())

    def _splice(self, full: str) -> str:
        if self._top_plain() != self._orig_top or not self.original.strip():
            raise NoSplice()
        old, new = pipelines_spans(self.original), pipelines_spans(full)
        pipes = self._pipes()
        if len(new.items) != len(pipes):
            raise NoSplice()
        chunks = []
        for j, pipe in enumerate(pipes):
            chunks.append(self._pipeline_chunk(pipe, old, new.items[j], full, new.dash_col))
        body = join_chunks(chunks, separators(self.original, old))
        return self.original[:old.start] + body + self.original[old.end:]

    def _pipeline_chunk(self, pipe, old: Seq, new_item: Item, full: str, new_col: int) -> str:
        delta = old.dash_col - new_col
        fresh = reindent(full[new_item.start:new_item.end], delta)
        known = self._orig.get(id(pipe))
        if known is None:
            return fresh
        _, plain, pi = known
        old_item = old.items[pi]
        if to_plain(pipe) == plain:
            return self.original[old_item.start:old_item.end]
        nodes = pipe.get("nodes")
        if old_item.nodes is None or new_item.nodes is None or not isinstance(nodes, list):
            return fresh
        if new_item.nodes.dash_col + delta != old_item.nodes.dash_col:
            raise NoSplice()
        node_chunks = []
        for j, node in enumerate(nodes):
            seen = self._orig.get(id(node))
            if seen is not None and seen[1] == to_plain(node) and self._belongs(seen[2], node, plain):
                ni = old_item.nodes.items[seen[2]]
                node_chunks.append(self.original[ni.start:ni.end])
            else:
                it = new_item.nodes.items[j]
                node_chunks.append(reindent(full[it.start:it.end], delta))
        region = join_chunks(node_chunks, separators(self.original, old_item.nodes))
        head_same = {k: v for k, v in to_plain(pipe).items() if k != "nodes"} == \
                    {k: v for k, v in plain.items() if k != "nodes"}
        if head_same:
            base = self.original[old_item.start:old_item.end]
            lo, hi = old_item.nodes.start - old_item.start, old_item.nodes.end - old_item.start
        else:  # the pipeline's own keys changed: ruamel's rendering of them, with the nodes spliced in
            base = fresh
            lo = len(reindent(full[new_item.start:new_item.nodes.start], delta))
            hi = lo + len(reindent(full[new_item.nodes.start:new_item.nodes.end], delta))
        return base[:lo] + region + base[hi:]

    @staticmethod
    def _belongs(index: int, node: Any, pipe_plain: dict) -> bool:
        """A node moved in from another pipeline has no original text in this one."""
        nodes = pipe_plain.get("nodes") or []
        return index < len(nodes) and nodes[index] == to_plain(node)

    # --- helpers --------------------------------------------------------------------------
    def _top_plain(self) -> dict:
        return {k: to_plain(v) for k, v in self.data.items() if k != "pipelines"}

    def _pipes(self) -> list:
        pipes = self.data.get("pipelines")
        return pipes if isinstance(pipes, list) else []

    def _pipe(self, name: str) -> CommentedMap:
        for p in self._pipes():
            if isinstance(p, dict) and str(p.get("pipeline")) == name:
                return p
        raise YamlDocError(f"no pipeline '{name}' in the file")

    def _node_seq(self, pipe: CommentedMap, create: bool = False) -> list:
        nodes = pipe.get("nodes")
        if isinstance(nodes, list):
            if create and not nodes and isinstance(nodes, CommentedSeq):
                nodes.fa.set_block_style()
            return nodes
        if not create:
            return []
        seq = CommentedSeq()
        insert_ordered(pipe, "nodes", seq, PIPELINE_KEYS)
        return seq

    def _node(self, pipeline: str, node: str | int) -> tuple[int, CommentedMap]:
        seq = self._node_seq(self._pipe(pipeline))
        if isinstance(node, int):
            if 0 <= node < len(seq) and isinstance(seq[node], CommentedMap):
                return node, seq[node]
            raise YamlDocError(f"pipeline '{pipeline}' has no node number {node + 1}")
        for i, n in enumerate(seq):
            if isinstance(n, CommentedMap) and str(n.get("name")) == node:
                return i, n
        raise YamlDocError(f"no node '{node}' in pipeline '{pipeline}'")


