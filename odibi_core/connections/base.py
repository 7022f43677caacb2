"""Connection interface. A connection knows *where* data lives; formats know *how* to read it.

Each connection type is one small class in its own file, registered by the ``type:`` values it
serves (see :mod:`odibi_core.connections.registry`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


@dataclass
class HealthResult:
    """Outcome of :meth:`Connection.check`: used by ``odibi`` health checks and the Studio."""

    ok: bool
    detail: str
    latency_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Connection(ABC):
    """Base of all connections.

    ``types`` lists the YAML ``type:`` values this class serves. ``kind`` says what the formats
    can expect from it: ``"file"`` (resolve/glob paths), ``"sql"`` (a SQLAlchemy engine) or
    ``"http"`` (JSON requests).
    """

    types: ClassVar[tuple[str, ...]] = ()
    kind: ClassVar[str] = ""

    def __init__(self, name: str, config: Any, project_root: Path) -> None:
        self.name = name
        self.config = config
        self.project_root = Path(project_root)

    @abstractmethod
    def check(self) -> HealthResult:
        """Cheap liveness check (path writable, SELECT 1, base URL answers)."""

    def describe(self) -> dict[str, Any]:
        """Config as a dict with secrets masked, for stories and the Studio."""
        from odibi_core.secrets import mask_obj

        return mask_obj(self.config.model_dump(by_alias=True, exclude_none=True))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release pooled resources (database engines, HTTP sessions)."""


class FileConnection(Connection):
    """A connection whose data are files under a root (local disk, cloud storage)."""

    kind = "file"

    @abstractmethod
    def resolve(self, path: str) -> str:
        """Absolute path or URI for ``path``; refuses anything outside the connection's root."""

    @abstractmethod
    def glob(self, pattern: str) -> list[str]:
        """Sorted matches for a glob pattern (``orders/*.csv``, ``events/**/*.jsonl``)."""

    @property
    def storage_options(self) -> dict[str, str]:
        """Options for deltalake / pyarrow filesystems (credentials for cloud stores)."""
        return {}

    @property
    def is_local(self) -> bool:
        return True
