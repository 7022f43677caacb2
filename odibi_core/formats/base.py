"""Format interface. Formats move data between a connection and Arrow tables.

Arrow is the common currency: the pandas engine converts to and from pandas, the Spark engine
uses native readers where it has them and this Arrow path otherwise (delta without jars, sql,
api). Each format is one small file registered in :mod:`odibi_core.formats.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from odibi_core.config.models import ReadConfig, WriteConfig
from odibi_core.connections.base import Connection


@dataclass
class WriteResult:
    """What a write did, for the story and the catalog."""

    rows_written: int
    target: str
    mode: str
    version: int | None = None  # delta table version after the write
    details: dict[str, Any] = field(default_factory=dict)


class Format(ABC):
    name: ClassVar[str]
    connection_kind: ClassVar[str] = "file"  # what kind of connection it needs
    write_modes: ClassVar[frozenset[str]] = frozenset({"overwrite", "append"})

    @abstractmethod
    def read(self, conn: Connection, cfg: ReadConfig) -> pa.Table:
        """Read everything the read block names (glob paths included)."""

    def write(self, table: pa.Table, conn: Connection, cfg: WriteConfig) -> WriteResult:
        from odibi_core.errors import OdibiError

        raise OdibiError(f"format '{self.name}' is read-only; it cannot be a write target")

    def exists(self, conn: Connection, cfg: WriteConfig) -> bool:
        """Whether the write target exists already (modes error / ignore)."""
        return False
