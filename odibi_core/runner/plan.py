"""Checks that need the transformer registry (so they sit above the config layer).

Unknown transformer names and bad ``params`` are reported like every other config error, at
the file and line of the key, before any data is touched.
"""

from __future__ import annotations

from pydantic import ValidationError

from odibi_core.config.loader import LoadedProject
from odibi_core.config.locate import config_errors
from odibi_core.errors import ConfigError, ConfigErrors
from odibi_core.transformers.registry import get_transformer


def check_plan(loaded: LoadedProject) -> list[str]:
    """Raise ConfigErrors for bad transformers/params; return warnings worth showing."""
    errors: list[ConfigError] = []
    warnings: list[str] = []
    for pi, pipe in enumerate(loaded.config.pipelines):
        for ni, node in enumerate(pipe.nodes):
            base = ("pipelines", pi, "nodes", ni)
            if node.transformer:
                _check(loaded, node.transformer, node.params, base + ("transformer",), base + ("params",), errors,
                       node.name)
            if node.transform:
                for si, step in enumerate(node.transform.steps):
                    if step.function or step.operation:
                        kind = "function" if step.function else "operation"
                        spath = base + ("transform", "steps", si)
                        _check(loaded, getattr(step, kind), step.params, spath + (kind,), spath + ("params",), errors,
                               node.name)
            v = node.validation
            if v and not v.quarantine:
                for ti, test in enumerate(v.tests):
                    if test.on_fail == "quarantine":
                        errors.append(loaded.error(
                            f"test '{test.name or test.type}' routes failing rows to quarantine, but the node has "
                            "no 'validation.quarantine' target", *base, "validation", "tests", ti, "on_fail",
                            hint="add quarantine: {connection: <name>, path: quarantine/<node>}"))
    if errors:
        raise ConfigErrors(errors)
    return warnings


def _check(loaded, name, params, name_path, params_path, errors, node: str) -> None:
    try:
        spec = get_transformer(name)
    except KeyError as exc:
        errors.append(loaded.error(str(exc.args[0]), *name_path))
        return
    try:
        spec.validate_params(params)
    except ValidationError as exc:
        located = config_errors(exc, params or {}, _Shifted(loaded.source_map, params_path))
        for e in located.errors:
            key = ".".join(p for p in [_render(params_path), e.key_path if e.key_path != "<root>" else ""] if p)
            errors.append(ConfigError(f"node '{node}', transformer '{name}': {e.message}", location=e.location,
                                      key_path=key,
                                      hint=e.hint))


class _Shifted:
    """A view of the source map rooted at the params block."""

    def __init__(self, smap, prefix) -> None:
        self.smap = smap
        self.prefix = tuple(prefix)

    def nearest(self, path):
        return self.smap.nearest(self.prefix + tuple(path))


def _render(path) -> str:
    from odibi_core.config.yaml_source import render_key_path

    return render_key_path(path)
