"""YAML loading that remembers where every key and value came from.

PyYAML's composer gives each node a start mark; we walk the node tree ourselves so that each
key path (``("pipelines", 0, "nodes", 1, "read")``) maps to the file, line and column of its
key. Errors are then located from the parser's marks, never guessed. Duplicate keys, which
PyYAML would silently collapse, are an error here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from odibi_core.errors import ConfigError, Location

KeyPath = tuple[Any, ...]


class SourceMap:
    """Key path -> Location, merged across imports and overlays (later files win)."""

    def __init__(self) -> None:
        self._locs: dict[KeyPath, Location] = {}

    def set(self, path: KeyPath, loc: Location) -> None:
        self._locs[path] = loc

    def get(self, path: KeyPath) -> Location | None:
        return self._locs.get(tuple(path))

    def nearest(self, path: KeyPath) -> Location | None:
        """Location of ``path`` or of its closest ancestor that has one."""
        path = tuple(path)
        while True:
            loc = self._locs.get(path)
            if loc is not None or not path:
                return loc
            path = path[:-1]

    def files(self) -> set[str]:
        """Every file that contributed a key (the project file, its imports, the env overlay)."""
        return {loc.file for loc in self._locs.values()}

    def update(self, other: SourceMap, prefix: KeyPath = ()) -> None:
        for path, loc in other._locs.items():
            self._locs[prefix + path] = loc

    def drop_under(self, prefix: KeyPath) -> None:
        n = len(prefix)
        for path in [p for p in self._locs if p[:n] == prefix and len(p) > n]:
            del self._locs[path]

    def __len__(self) -> int:
        return len(self._locs)


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


_MAX_VALUES = 200_000  # far above any real project; stops alias bombs early


class _Walker:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.smap = SourceMap()
        self._open: set[int] = set()  # ids of collection nodes being walked: an alias to one is a loop
        self._merged: dict[int, int] = {}  # id of a mapping node -> how many of its pairs came from '<<'
        self._budget = _MAX_VALUES

    def walk(self, node: yaml.Node, path: KeyPath) -> Any:
        self._budget -= 1
        if self._budget < 0:  # aliases of aliases ("billion laughs") expand exponentially
            raise ConfigError(f"the file expands to more than {_MAX_VALUES} values; are aliases (*name) nested "
                              "inside each other?", location=_loc(self.file, node), key_path=_render(path))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self._open:
                raise ConfigError("an alias (*name) refers to a mapping or list that contains it; a config "
                                  "cannot be infinitely nested", location=_loc(self.file, node),
                                  key_path=_render(path))
            self._open.add(id(node))
            try:
                return self._walk_collection(node, path)
            finally:
                self._open.discard(id(node))
        return self.loader.construct_object(node, deep=True)

    def _flatten(self, node: yaml.MappingNode) -> int:
        """Resolve YAML merge keys (``<<: *base``) once per node; return how many pairs they added first."""
        if id(node) not in self._merged:
            own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
            try:
                self.loader.flatten_mapping(node)
            except RecursionError:
                raise ConfigError("a merge key (<<: *name) merges a mapping into itself",
                                  location=_loc(self.file, node)) from None
            self._merged[id(node)] = len(node.value) - own
        return self._merged[id(node)]

    def _walk_collection(self, node: yaml.Node, path: KeyPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            merged = self._flatten(node)
            out: dict[Any, Any] = {}
            own: set = set()
            for i, (key_node, value_node) in enumerate(node.value):
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise ConfigError(
                        "mapping keys must be plain scalars", location=_loc(self.file, key_node),
                        key_path=_render(path),
                    )
                if i >= merged and key in own:  # keys merged in with '<<' may be overridden, own keys not
                    raise ConfigError(
                        f"duplicate key '{key}'", location=_loc(self.file, key_node),
                        key_path=_render(path + (key,)),
                        hint=f"first defined at line {self.smap.get(path + (key,)).line}",
                    )
                if i >= merged:
                    own.add(key)
                self.smap.set(path + (key,), _loc(self.file, key_node))
                out[key] = self.walk(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.smap.set(path + (i,), _loc(self.file, item))
                items.append(self.walk(item, path + (i,)))
            return items


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document; syntax errors become located :class:`ConfigError`.

    Valid files go through libyaml (C, ~10x faster: a 200-node project loads in tens of ms,
    which the Studio needs on every config change); anything libyaml rejects, and text with
    characters YAML forbids, is parsed again by the pure-Python parser, whose error messages
    and marks the errors below are written for."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return _compose(fast(text), file)
        except yaml.YAMLError:
            pass  # re-parse below for the precise message
    try:
        loader = yaml.SafeLoader(text)  # the reader rejects control characters right here
    except yaml.reader.ReaderError as exc:
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(f"YAML syntax error: control character {char} is not allowed in YAML text",
                          location=_offset_location(text, file, exc.position)) from None
    try:
        return _compose(loader, file)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        text_ = " ".join(str(exc).split())
        raise ConfigError(f"YAML error: {text_}", location=Location(file, 1, 1)) from None


def _compose(loader, file: str) -> tuple[Any, SourceMap]:
    try:
        root = loader.get_single_node()
        if root is None:
            return None, SourceMap()
        walker = _Walker(file, loader)
        walker.smap.set((), Location(file, root.start_mark.line + 1, root.start_mark.column + 1))
        data = walker.walk(root, ())
        return data, walker.smap
    finally:
        loader.dispose()


# the parser's words for where it was, in the words of someone writing the file
_CONTEXTS = {
    "while parsing a flow sequence": "in the [...] list",
    "while parsing a flow mapping": "in the {...} mapping",
    "while parsing a block mapping": "in the mapping",
    "while parsing a block collection": "in the list",
    "while scanning a simple key": "in the key",
}
_HINTS = {
    "mapping values are not allowed here": "check the indentation of this line and the one above, or quote a "
                                           "value that contains ': '",
    "'\\t'": "indent with spaces; YAML does not allow tabs",
    "expected <block end>": "this line's indentation does not line up with the keys or items of the block "
                            "it belongs to",
    "found another document": "a project file holds one YAML document; remove the '---' line or split the file "
                              "and use 'imports:'",
}


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ConfigError:
    """One located sentence for a parser error; unclosed quotes point at where they were opened."""
    mark = exc.problem_mark or exc.context_mark
    start = exc.context_mark
    if exc.context == "while scanning a quoted scalar" and start is not None:
        return ConfigError("YAML syntax error: this quoted text is never closed",
                           location=Location(file, start.line + 1, start.column + 1),
                           hint=f"add the closing quote; the parser reached line {mark.line + 1} without finding it")
    loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
    problem = (exc.problem or "invalid YAML").removeprefix("but ")
    if exc.context and start is not None and start is not mark:
        where = _CONTEXTS.get(exc.context, exc.context)
        problem += f" ({where} that starts at line {start.line + 1}, column {start.column + 1})"
    elif exc.context:
        problem += f" ({exc.context})"
    hint = next((h for k, h in _HINTS.items() if k in problem), None)
    return ConfigError(f"YAML syntax error: {problem}", location=loc, hint=hint)


def _offset_location(text: str, file: str, offset: int) -> Location:
    before = text[:offset]
    return Location(file, before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def load_yaml_file(path: Path) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file; a missing or unreadable file is a ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"expected a YAML file but found a directory: {path}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"file is not UTF-8 text ({exc.reason} at byte {exc.start})",
                          location=Location(str(path), 1, 1)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse_yaml(text, str(path))


def _render(path: KeyPath) -> str:
    return render_key_path(path)


def render_key_path(path: KeyPath) -> str:
    """``("pipelines", 0, "nodes", 2, "read")`` -> ``pipelines[0].nodes[2].read``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"
