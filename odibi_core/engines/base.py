"""The engine interface: everything the runner needs from pandas, Spark or a future engine.

The runner, transformers and validation only talk to this interface, so a new engine plugs in
without touching them. Capabilities are class attributes (as in SQLMesh's adapters) so callers
can ask instead of catching errors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import pyarrow as pa

from odibi_core.config.checks import infer_format
from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.connections.base import Connection
from odibi_core.formats.base import WriteResult


@dataclass(frozen=True)
class Column:
    """A column's name and logical type (engine-neutral names, see :func:`arrow_logical_type`)."""

    name: str
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


def arrow_logical_type(t: pa.DataType) -> str:
    """One vocabulary for types across engines: string, int64, float64, bool, timestamp, ..."""
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int64" if t.bit_width == 64 else f"int{t.bit_width}" if pa.types.is_signed_integer(t) else f"uint{t.bit_width}"
    if pa.types.is_floating(t):
        return "float64" if t.bit_width == 64 else f"float{t.bit_width}"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{arrow_logical_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct"
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_dictionary(t):
        return arrow_logical_type(t.value_type)
    return str(t)


class Engine(ABC):
    """Abstract engine. Frames are opaque to the runner: only the engine looks inside."""

    name: ClassVar[str]
    sql_dialect: ClassVar[str]  # sqlglot dialect name, used by transformers and the SQL healer
    supports_parallel_nodes: ClassVar[bool] = True

    def __init__(self, connections: Mapping[str, Connection], project_root: Path, options: Any = None) -> None:
        self.connections = connections
        self.project_root = Path(project_root)
        self.options = options

    # --- data in and out --------------------------------------------------------------------
    @abstractmethod
    def read(self, cfg: ReadConfig) -> Any:
        """Read a frame as the read block says (format inferred when not given)."""

    @abstractmethod
    def write(self, df: Any, cfg: WriteConfig) -> WriteResult:
        """Write a frame; modes overwrite/append/upsert/append_once/merge/error/ignore."""

    # --- computation ------------------------------------------------------------------------
    @abstractmethod
    def sql(self, query: str, tables: Mapping[str, Any]) -> Any:
        """Run one SELECT with ``tables`` visible by name (``df`` is the current frame)."""

    @abstractmethod
    def from_arrow(self, table: pa.Table) -> Any: ...

    @abstractmethod
    def to_arrow(self, df: Any) -> pa.Table: ...

    # --- inspection (stories, validation, the Studio) ----------------------------------------
    @abstractmethod
    def count(self, df: Any) -> int: ...

    @abstractmethod
    def schema(self, df: Any) -> list[Column]: ...

    @abstractmethod
    def sample(self, df: Any, n: int) -> list[dict[str, Any]]:
        """Up to ``n`` rows as JSON-safe dicts (the only place a story sees data)."""

    @abstractmethod
    def head(self, df: Any, n: int) -> Any:
        """The first ``n`` rows as a frame (previews, dry runs)."""

    def quote(self, identifier: str) -> str:
        """Quote an identifier in this engine's SQL dialect."""
        return '"' + identifier.replace('"', '""') + '"'

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release engine resources at the end of a session."""

    # --- helpers shared by engines -----------------------------------------------------------
    def connection(self, name: str) -> Connection:
        return self.connections[name]

    def format_of(self, cfg: ReadConfig | WriteConfig) -> str:
        conn = self.connection(cfg.connection)
        return cfg.format or infer_format(getattr(cfg, "path", None), conn.config.type)
