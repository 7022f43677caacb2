"""Load a project: YAML -> imports -> environment overlays -> substitution -> models -> checks.

The result, :class:`LoadedProject`, keeps the source map so later layers (graph, transformer
params) can still point at the file and line of whatever they reject.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from odibi_core.config.checks import check_references
from odibi_core.config.locate import config_errors
from odibi_core.config.merge import deep_merge
from odibi_core.config.models import ProjectConfig
from odibi_core.config.models.base import suggest
from odibi_core.config.substitution import substitute
from odibi_core.config.yaml_source import SourceMap, load_yaml_file, render_key_path
from odibi_core.errors import ConfigError, Location

ENV_VAR = "ODIBI_ENV"


@dataclass
class LoadedProject:
    config: ProjectConfig
    source_map: SourceMap
    file: Path
    env: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def root(self) -> Path:
        """The folder of the project file: relative paths resolve against it."""
        return self.file.parent

    def location(self, *path):
        return self.source_map.nearest(tuple(path))

    def node_path(self, node_name: str) -> tuple:
        for pi, pipe in enumerate(self.config.pipelines):
            for ni, node in enumerate(pipe.nodes):
                if node.name == node_name:
                    return ("pipelines", pi, "nodes", ni)
        return ()

    def error(self, message: str, *path, hint: str | None = None) -> ConfigError:
        return ConfigError(message, location=self.source_map.nearest(tuple(path)),
                           key_path=render_key_path(tuple(path)), hint=hint)


def _read_mapping(path: Path, may_be_empty: bool = False) -> tuple[dict, SourceMap]:
    """The file's top-level mapping; an imported file or overlay may be empty (only comments)."""
    data, smap = load_yaml_file(path)
    if data is None and may_be_empty:
        smap.set((), Location(str(path), 1, 1))
        return {}, smap
    if data is None:
        raise ConfigError("the file is empty; a project needs at least 'project', 'connections' and 'pipelines'",
                          location=Location(str(path), 1, 1))
    if not isinstance(data, dict):
        loc = smap.get(())
        raise ConfigError(f"the top level must be a mapping of keys, not a {type(data).__name__}", location=loc)
    return data, smap


def _with_imports(path: Path, stack: tuple[Path, ...] = ()) -> tuple[dict, SourceMap]:
    path = path.resolve()
    data, smap = _read_mapping(path, may_be_empty=bool(stack))
    imports = data.get("imports") or []
    if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
        raise ConfigError("'imports' must be a list of file paths", location=smap.nearest(("imports",)),
                          key_path="imports")
    if not imports:
        return data, smap
    merged: dict = {}
    merged_map = SourceMap()
    merged_map.set((), smap.get(()))  # "required key missing" errors point at the importing file's top
    for i, rel in enumerate(imports):
        target = (path.parent / rel)
        if not target.is_file():
            raise ConfigError(f"imported file not found: {target}", location=smap.nearest(("imports", i)),
                              key_path=f"imports[{i}]")
        if target.resolve() in stack + (path,):
            chain = " -> ".join(p.name for p in stack + (path, target.resolve()))
            raise ConfigError(f"import cycle: {chain}", location=smap.nearest(("imports", i)),
                              key_path=f"imports[{i}]", hint="a file cannot import itself, directly or through others")
        idata, imap = _with_imports(target, stack + (path,))
        merged = deep_merge(merged, idata, merged_map, imap)
    merged = deep_merge(merged, data, merged_map, smap)
    return merged, merged_map


def known_environments(data: dict, folder: Path) -> list[str]:
    names = set((data.get("environments") or {}).keys()) if isinstance(data.get("environments"), dict) else set()
    names |= {p.name[4:-5] for p in folder.glob("env.*.yaml")}
    return sorted(names)


def _apply_env(data: dict, smap: SourceMap, env: str, folder: Path) -> dict:
    envs = data.get("environments") or {}
    if not isinstance(envs, dict):
        raise ConfigError("'environments' must be a mapping of environment name to overrides",
                          location=smap.nearest(("environments",)), key_path="environments")
    overlay_file = folder / f"env.{env}.yaml"
    if env not in envs and not overlay_file.is_file():
        known = known_environments(data, folder)
        close = suggest(env, known)
        hint = f"did you mean '{close}'?" if close else f"known: {', '.join(known) or 'none'}"
        # locate at the environments block (or the file's top) so the user sees where envs are defined
        where = ("environments",) if "environments" in data else ()
        raise ConfigError(f"unknown environment '{env}': no 'environments.{env}' block and no {overlay_file.name}",
                          location=smap.nearest(where), key_path="environments" if where else None, hint=hint)
    if env in envs:
        block = envs[env] or {}
        if not isinstance(block, dict):
            raise ConfigError(f"environment '{env}' must be a mapping of overrides",
                              location=smap.nearest(("environments", env)), key_path=f"environments.{env}")
        # the block's locations live under environments.<env>; shift them to the top level
        data = deep_merge(data, block, smap, _shift(smap, ("environments", env)))
    if overlay_file.is_file():
        odata, omap = _read_mapping(overlay_file, may_be_empty=True)
        data = deep_merge(data, odata, smap, omap)
    return data


def _shift(smap: SourceMap, prefix: tuple) -> SourceMap:
    out = SourceMap()
    n = len(prefix)
    for p, loc in smap._locs.items():
        if p[:n] == prefix:
            out.set(p[n:], loc)
    return out


def load_project(path: str | os.PathLike, env: str | None = None, environ: dict[str, str] | None = None) -> LoadedProject:
    """Load, overlay, substitute, validate and cross-check a project file.

    Raises :class:`ConfigError` (or ConfigErrors, several at once) pointing at file and line.
    """
    file = Path(path)
    if file.is_dir():
        candidates = [file / n for n in ("odibi.yaml", "odibi.yml", "project.yaml")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ConfigError(f"no odibi.yaml in folder {file}")
        file = found
    environ = dict(os.environ) if environ is None else environ
    env = env or environ.get(ENV_VAR) or None
    data, smap = _with_imports(file)
    if env:
        data = _apply_env(data, smap, env, file.resolve().parent)  # absolute, like the imported files' paths
    data = substitute(data, smap, environ)
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise config_errors(exc, data, smap) from None
    loaded = LoadedProject(config=config, source_map=smap, file=file.resolve(), env=env, raw=data)
    check_references(loaded)
    return loaded
