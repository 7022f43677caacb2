"""Deep merge of imports and environment overlays, keeping the source map in step.

Rules: mappings merge key by key; lists of named items (``pipeline:``/``name:``) merge item
by item on that name; other lists are replaced whole. A connection whose overlay names a
different ``type`` replaces the connection whole (Odibi's deep merge leaves the old type's
keys behind, which then fail validation: a known fault we do not copy).
"""

from __future__ import annotations

import copy
from typing import Any

from odibi_core.config.yaml_source import KeyPath, SourceMap

_NAME_KEYS = ("pipeline", "name")


def _name_key(items: list) -> str | None:
    for key in _NAME_KEYS:
        if items and all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items):
            return key
    return None


def deep_merge(base: Any, over: Any, base_map: SourceMap, over_map: SourceMap,
               path: KeyPath = (), over_path: KeyPath = ()) -> Any:
    """Merge ``over`` onto ``base``; locations of what ``over`` sets move into ``base_map``."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            loc = over_map.get(over_path + (key,))
            replace_whole = (
                len(path) == 1 and path[0] == "connections" and isinstance(value, dict)
                and isinstance(base.get(key), dict) and "type" in value
                and value.get("type") != base[key].get("type")
            )
            if key in base and not replace_whole:
                out[key] = deep_merge(base[key], value, base_map, over_map, path + (key,), over_path + (key,))
            else:
                base_map.drop_under(path + (key,))
                out[key] = copy.deepcopy(value)
                _copy_locs(over_map, over_path + (key,), base_map, path + (key,))
            if loc is not None:
                base_map.set(path + (key,), loc)
        return out
    if isinstance(base, list) and isinstance(over, list):
        key = _name_key(base) if _name_key(over) == _name_key(base) else None
        if key:
            out = list(base)
            index = {item[key]: i for i, item in enumerate(base)}
            for j, item in enumerate(over):
                if item[key] in index:
                    i = index[item[key]]
                    out[i] = deep_merge(base[i], item, base_map, over_map, path + (i,), over_path + (j,))
                else:
                    out.append(copy.deepcopy(item))
                    _copy_locs(over_map, over_path + (j,), base_map, path + (len(out) - 1,))
            return out
    base_map.drop_under(path)
    _copy_locs(over_map, over_path, base_map, path)
    return copy.deepcopy(over)


def _copy_locs(src: SourceMap, src_prefix: KeyPath, dst: SourceMap, dst_prefix: KeyPath) -> None:
    n = len(src_prefix)
    for p, loc in list(src._locs.items()):
        if p[:n] == src_prefix:
            dst.set(dst_prefix + p[n:], loc)
