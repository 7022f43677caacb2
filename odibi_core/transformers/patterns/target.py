"""Where a pattern writes: a Delta table named by connection + path, and the params that name it.

A pattern transformer (merge, scd2) commits to its own Delta table instead of handing rows to
the node's ``write:`` block, because what it does to that table (a MERGE, closing versions)
depends on what is already there. The table is named the way a write block names one, by a
connection and a path, so secrets and base paths stay in the connection.

Odibi spells some params differently (``track_cols``, ``audit_cols``...); :class:`OdibiCompat`
renames them before the unknown-key check, so an Odibi project runs unchanged while the
Studio shows one name per param.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field, model_validator

from odibi_core.config.models.base import StrictModel, key_error, suggest
from odibi_core.engines.base import Engine
from odibi_core.errors import OdibiError
from odibi_core.formats.registry import get_format


@dataclass(frozen=True)
class Target:
    """A resolved Delta table: its URI, storage options and how to name it in messages."""

    connection: str
    path: str
    uri: str
    storage_options: dict[str, str] | None
    where: str
    local: bool = True


def resolve_target(engine: Engine, connection: str, path: str, *, what: str) -> Target:
    """The Delta table ``path`` on ``connection``; a clear error for an unknown or non-file connection."""
    if connection not in engine.connections:
        known = sorted(engine.connections)
        close = suggest(connection, known)
        hint = f"did you mean '{close}'?" if close else f"known connections: {', '.join(known) or 'none'}"
        raise OdibiError(f"{what}: target connection '{connection}' is not defined in the project ({hint}).")
    conn = engine.connections[connection]
    if not hasattr(conn, "resolve"):
        raise OdibiError(f"{what}: target connection '{connection}' is not a file connection; the target of a "
                         "pattern is a Delta table, so use a local or cloud-storage connection.")
    uri, where, so = get_format("delta")._locate(conn, path)
    return Target(connection, path, uri, so, where, local=getattr(conn, "is_local", True))


class OdibiCompat(StrictModel):
    """A params model that also accepts Odibi's names for some params (``_renames``: old -> new)."""

    _renames: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:  # same name: replaces StrictModel's check, then runs it
        if isinstance(data, dict) and any(old in data for old in cls._renames):
            data = dict(data)
            for old, new in cls._renames.items():
                if old in data:
                    if new in data:
                        raise key_error(old, f"give '{new}' or its Odibi spelling '{old}', not both")
                    data[new] = data.pop(old)
        return StrictModel._refuse_unknown_keys.__func__(cls, data)


class TargetRef(StrictModel):
    connection: str = Field(min_length=1, description="a file connection of the project (local, azure_blob...)")
    path: str = Field(min_length=1, description="the Delta table's folder on that connection")


class TargetParams(OdibiCompat):
    """``target: {connection, path}``, or Odibi's ``connection`` + ``path`` at the top of the params."""

    target: TargetRef | None = Field(default=None, description="the Delta table to write: {connection, path}")
    connection: str | None = Field(default=None, description="Odibi's spelling: the target's connection "
                                                              "(with 'path'), instead of 'target'")
    path: str | None = Field(default=None, description="Odibi's spelling: the target's path (with 'connection')")

    @model_validator(mode="before")
    @classmethod
    def _string_target(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("target"), str):
            raise key_error("target", f"target '{data['target']}' names a table or a path without a connection; "
                                      "write it as target: {connection: <name>, path: <folder>}")
        return data

    @model_validator(mode="after")
    def _one_target(self):
        if self.target is not None and (self.connection or self.path):
            raise key_error("target", "give 'target' or 'connection' + 'path', not both")
        if self.target is None:
            if not (self.connection and self.path):
                missing = "path" if self.connection else "connection" if self.path else "target"
                raise key_error(missing, "a target Delta table is needed: target: {connection: <name>, "
                                         "path: <folder>}")
            self.target = TargetRef(connection=self.connection, path=self.path)
            self.connection = self.path = None
        return self

    def resolve(self, engine: Engine, what: str) -> Target:
        return resolve_target(engine, self.target.connection, self.target.path, what=what)
