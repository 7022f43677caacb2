"""Low-level pieces of round-trip YAML editing: plain <-> ruamel objects, styles, and spans.

:mod:`odibi_core.workspace.yaml_doc` edits a project file by splicing text; this module knows
where each pipeline and node sits in the text (from libyaml's marks, fast), how to turn plain
data into ruamel objects styled like hand-written configs, and how to update a ruamel tree in
place so the comments of what did not change survive.

Scalars are read and written as YAML 1.1, like the loader (PyYAML) reads them, so a value such
as ``yes`` typed into a form is quoted rather than turning into a boolean.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import LiteralScalarString

from odibi_core.config.models import NodeConfig, PipelineConfig
from odibi_core.errors import ConfigError

NODE_KEYS = tuple(f.alias or n for n, f in NodeConfig.model_fields.items())
PIPELINE_KEYS = tuple(f.alias or n for n, f in PipelineConfig.model_fields.items())
_FLOW_WIDTH = 90  # new mappings/lists up to this width are written {inline}, like hand-written configs
_FLOW_UNFRIENDLY = re.compile(r"[\n,\[\]{}]|: | #")  # text that would need quotes inside {...}


FAST_LOADER = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)  # libyaml: ~50x faster than pure Python


class YamlDocError(ConfigError):
    """The text cannot be edited structurally (syntax error, wrong shape, unknown pipeline/node)."""


def load_plain(text: str) -> dict:
    """The text as plain data, fast (libyaml), for reading; edits go through :class:`YamlDoc`.

    ruamel's round-trip parser is pure Python (about 100 ms per 100 lines): fine for an edit the
    user just made, too slow to run on every re-render of a large project."""
    try:
        data = pyyaml.load(text, Loader=FAST_LOADER) if text.strip() else {}
    except pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlDocError(f"the YAML cannot be read{where}: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlDocError("the top level of a project file must be a mapping of keys")
    return data


def pipeline_names(data: dict) -> list[str]:
    pipes = data.get("pipelines") if isinstance(data, dict) else None
    return [str(p.get("pipeline")) for p in pipes or [] if isinstance(p, dict)] if isinstance(pipes, list) else []


def pipeline_nodes(data: dict, pipeline: str) -> list[dict]:
    for p in data.get("pipelines") or [] if isinstance(data.get("pipelines"), list) else []:
        if isinstance(p, dict) and str(p.get("pipeline")) == pipeline:
            nodes = p.get("nodes")
            return [n if isinstance(n, dict) else {} for n in nodes] if isinstance(nodes, list) else []
    return []


# --- plain data <-> ruamel objects ------------------------------------------------------------
def to_plain(obj: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain dict/list/str/int/float/bool."""
    if isinstance(obj, dict):
        return {to_plain(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, (bool, ScalarBoolean)):
        return bool(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    return obj


def _is_scalar(v: Any) -> bool:
    """Values that read well inside ``{...}``: no line breaks, no long text such as a SQL statement."""
    if v is None or isinstance(v, (int, float, bool)):
        return True
    return isinstance(v, str) and len(v) <= 48 and not _FLOW_UNFRIENDLY.search(v)


def _fits_flow(value: dict) -> bool:
    flat = all(_is_scalar(v) or (isinstance(v, list) and all(_is_scalar(i) for i in v)) for v in value.values())
    return flat and _short(value)


def _short(value: Any) -> bool:
    return len(pyyaml.safe_dump(value, default_flow_style=True, width=10_000).strip()) <= _FLOW_WIDTH


def to_ruamel(value: Any) -> Any:
    """Plain data as ruamel objects, styled like hand-written configs: small blocks inline."""
    if isinstance(value, dict):
        out = CommentedMap((k, to_ruamel(v)) for k, v in value.items())
        if value and _fits_flow(value):
            out.fa.set_flow_style()
        return out
    if isinstance(value, (list, tuple)):
        out = CommentedSeq(to_ruamel(v) for v in value)
        if value and all(_is_scalar(v) for v in value) and _short(list(value)):
            out.fa.set_flow_style()
        return out
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)  # a block scalar (|), as SQL is written by hand
    return value


def insert_ordered(cm: CommentedMap, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Add ``key`` where the canonical key order puts it among the keys already there."""
    if key in order:
        rank = order.index(key)
        for pos, existing in enumerate(cm):
            if existing in order and order.index(existing) > rank:
                cm.insert(pos, key, value)
                return
    cm[key] = value


def update_in_place(cm: CommentedMap, new: dict, order: tuple[str, ...] = ()) -> None:
    """Make ``cm`` equal ``new`` while keeping the objects (and so comments and styles) of what stays."""
    was_flat = cm.fa.flow_style() and _fits_flow(to_plain(cm))
    for key in [k for k in cm if k not in new]:
        del cm[key]
    for key, value in new.items():
        if key not in cm:
            insert_ordered(cm, key, to_ruamel(value), order)
            continue
        cur = cm[key]
        if to_plain(cur) == value:
            continue
        if isinstance(cur, CommentedMap) and isinstance(value, dict):
            update_in_place(cur, value)
        elif isinstance(cur, CommentedSeq) and isinstance(value, list) and len(cur) == len(value):
            for i, item in enumerate(value):
                if isinstance(cur[i], CommentedMap) and isinstance(item, dict):
                    update_in_place(cur[i], item)
                elif to_plain(cur[i]) != item:
                    cur[i] = to_ruamel(item)
        else:
            styled = to_ruamel(value)
            if isinstance(cur, (CommentedMap, CommentedSeq)) and isinstance(styled, (CommentedMap, CommentedSeq)) \
                    and cur.fa.flow_style() and _short(value):
                styled.fa.set_flow_style()
            cm[key] = styled
    if was_flat and not _fits_flow(to_plain(cm)):
        cm.fa.set_block_style()  # an edit made it too long or too wordy for one line


# --- reading and writing text --------------------------------------------------------------------
def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file uses them; ruamel's defaults otherwise."""
    mapping, seq, offset = 2, 2, 0
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for a, b in itertools.pairwise(lines):
        ia, ib = len(a) - len(a.lstrip()), len(b) - len(b.lstrip())
        if a.rstrip().endswith(":") and not a.lstrip().startswith("- ") and ib > ia \
                and not b.lstrip().startswith("- "):
            mapping = ib - ia
            break
    for a, b in itertools.pairwise(lines):  # the first block sequence decides the dash offset
        ia, ib = len(a) - len(a.lstrip()), len(b) - len(b.lstrip())
        if a.rstrip().endswith(":") and b.lstrip().startswith("- ") and ib >= ia:
            item = b.lstrip()[1:]
            offset = ib - ia
            seq = offset + 1 + len(item) - len(item.lstrip())  # where the item's content starts
            break
    return max(mapping, 1), max(seq, offset + 2), offset


def new_yaml(indent: tuple[int, int, int]) -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096  # never fold long lines: a fold would change lines nobody edited
    y.version = (1, 1)  # read and quote scalars like the loader does (yes/no/on/off are booleans)
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def strip_directive(text: str) -> str:
    if text.startswith("%YAML"):
        _, _, rest = text.partition("\n---")
        return rest[1:] if rest.startswith("\n") else rest.lstrip(" ")
    return text


# --- where items are in the text (for splicing) -------------------------------------------------
class NoSplice(Exception):
    pass


@dataclass
class Item:
    start: int  # start of the first comment line above the item (or of its dash line)
    end: int  # just after the line holding the item's last value
    dash: int = 0  # start of the line holding the item's dash
    nodes: Seq | None = None  # a pipeline's block sequence of nodes


@dataclass
class Seq:
    dash_col: int
    items: list[Item] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.items[0].start

    @property
    def end(self) -> int:
        return self.items[-1].end


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl + 1


def _leaf_end(node: pyyaml.Node) -> int:
    if isinstance(node, pyyaml.MappingNode) and not node.flow_style:
        return max((max(_leaf_end(k), _leaf_end(v)) for k, v in node.value), default=node.start_mark.index)
    if isinstance(node, pyyaml.SequenceNode) and not node.flow_style:
        return max((_leaf_end(v) for v in node.value), default=node.start_mark.index)
    return node.end_mark.index


def _seq_spans(text: str, node: pyyaml.Node, nested: bool) -> Seq:
    if not isinstance(node, pyyaml.SequenceNode) or node.flow_style or not node.value:
        raise NoSplice()
    seq: Seq | None = None
    for item in node.value:
        dash = item.start_mark.index - 1
        while dash >= 0 and text[dash] in " \t\r\n":
            dash -= 1
        if dash < 0 or text[dash] != "-":
            raise NoSplice()
        line = line_start(text, dash)
        if text[line:dash].strip():
            raise NoSplice()  # "- - x" or other compact nesting
        col = dash - line
        seq = seq or Seq(col)
        if col != seq.dash_col:
            raise NoSplice()
        start = line
        while start > 0:  # comment lines right above the dash, at its indentation, describe the item
            prev = line_start(text, start - 1)
            ln = text[prev:start].rstrip("\r\n")
            if ln.strip().startswith("#") and len(ln) - len(ln.lstrip()) == col:
                start = prev
            else:
                break
        last = _leaf_end(item)
        while last > 0 and text[last - 1] in " \t\r\n":
            last -= 1
        end = line_end(text, max(last - 1, dash))
        nodes = None
        if nested and isinstance(item, pyyaml.MappingNode):
            for k, v in item.value:
                if getattr(k, "value", None) == "nodes":
                    try:
                        nodes = _seq_spans(text, v, nested=False)
                    except NoSplice:
                        nodes = None  # this pipeline is then taken whole from ruamel's rendering
        seq.items.append(Item(start, end, line, nodes))
    for a, b in zip(seq.items, seq.items[1:]):
        if a.end > b.start:
            raise NoSplice()
    return seq


def pipelines_spans(text: str) -> Seq:
    try:
        root = pyyaml.compose(text, Loader=FAST_LOADER)
    except pyyaml.YAMLError:
        raise NoSplice() from None
    if not isinstance(root, pyyaml.MappingNode):
        raise NoSplice()
    for k, v in root.value:
        if getattr(k, "value", None) == "pipelines":
            return _seq_spans(text, v, nested=True)
    raise NoSplice()


def reindent(chunk: str, delta: int) -> str:
    if delta == 0:
        return chunk
    out = []
    for line in chunk.splitlines(keepends=True):
        if delta > 0:
            out.append(" " * delta + line if line.strip() else line)
        else:
            lead = len(line) - len(line.lstrip(" "))
            out.append(line[min(lead, -delta):])
    return "".join(out)


def separators(text: str, seq: Seq) -> list[str]:
    return [text[a.end:b.start] for a, b in zip(seq.items, seq.items[1:])]


def join_chunks(chunks: list[str], seps: list[str]) -> str:
    usual = Counter(s for s in seps if not s.strip()).most_common(1)
    default = usual[0][0] if usual else ""
    out = []
    for i, chunk in enumerate(chunks):
        if i:
            out.append(seps[i - 1] if i - 1 < len(seps) else default)
        out.append(chunk)
    return "".join(out)


def set_in(cm: CommentedMap, keys: tuple, value: Any) -> None:
    """Set ``keys`` (a path into a node) to ``value``, creating mappings on the way, in canonical order."""
    cur = cm
    for depth, key in enumerate(keys[:-1]):
        nxt = cur.get(key)
        if not isinstance(nxt, CommentedMap):
            if key in cur and nxt is not None:
                raise YamlDocError(f"cannot set '{'.'.join(map(str, keys))}': '{key}' is not a mapping")
            nxt = CommentedMap()
            if key in cur:
                cur[key] = nxt
            else:
                insert_ordered(cur, key, nxt, NODE_KEYS if depth == 0 else ())
        cur = nxt
    last = keys[-1]
    if last in cur:
        if to_plain(cur[last]) != value:
            cur[last] = to_ruamel(value)
    else:
        insert_ordered(cur, last, to_ruamel(value), NODE_KEYS if len(keys) == 1 else ())


def unset_in(cm: CommentedMap, keys: tuple) -> bool:
    """Remove ``keys`` from a node; mappings left empty by it go too. False when it was not there."""
    trail = [cm]
    for key in keys[:-1]:
        nxt = trail[-1].get(key)
        if not isinstance(nxt, dict):
            return False
        trail.append(nxt)
    if keys[-1] not in trail[-1]:
        return False
    del trail[-1][keys[-1]]
    for i in range(len(trail) - 1, 0, -1):
        if not trail[i]:
            del trail[i - 1][keys[i - 1]]
    return True


def key_path(path: str | tuple) -> tuple:
    return tuple(path.split(".")) if isinstance(path, str) else tuple(path)


def ordered(body: dict, order: tuple[str, ...]) -> dict:
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(body.items(), key=lambda kv: rank.get(kv[0], len(rank))))
