"""Registry of connection types: ``type:`` value -> class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from odibi_core.connections.base import Connection
from odibi_core.errors import ConfigError

CONNECTION_CLASSES: dict[str, type[Connection]] = {}


def register_connection(cls: type[Connection]) -> type[Connection]:
    for t in cls.types:
        CONNECTION_CLASSES[t] = cls
    return cls


def create_connection(name: str, config: Any, project_root: Path) -> Connection:
    _load_builtins()
    cls = CONNECTION_CLASSES.get(config.type)
    if cls is None:
        raise ConfigError(f"connection '{name}': type '{config.type}' is not supported by this installation")
    return cls(name, config, project_root)


def _load_builtins() -> None:
    # Imported for their registration side effect; kept lazy so `odibi validate` stays quick.
    from odibi_core.connections import azure_blob, http, local, sql  # noqa: F401
