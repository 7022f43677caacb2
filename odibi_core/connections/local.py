"""Local disk connection: every path is confined to the connection's base folder.

Confinement matters because paths come from YAML that people copy between projects: a stray
``../`` or an absolute path must not let a pipeline read or overwrite files elsewhere on the
machine. Paths are checked after symlinks are resolved, so a link inside the base that points
outside it is refused too.
"""

from __future__ import annotations

import glob as _glob
import os
import time
from pathlib import Path

from odibi_core.connections.base import FileConnection, HealthResult
from odibi_core.connections.registry import register_connection
from odibi_core.errors import ConnectionFailure

_MAGIC = set("*?[")


@register_connection
class LocalConnection(FileConnection):
    types = ("local",)

    def __init__(self, name, config, project_root) -> None:
        super().__init__(name, config, project_root)
        base = Path(os.path.expanduser(config.base_path or "."))
        if not base.is_absolute():
            base = self.project_root / base
        # Lexical absolute form for messages; the real (symlink-free) form for confinement checks.
        self.base_path = Path(os.path.abspath(base))

    @property
    def _real_base(self) -> str:
        # Computed on use: the base may be created (or re-linked) after the connection is built.
        return os.path.realpath(self.base_path)

    # --- paths --------------------------------------------------------------------------------
    def resolve(self, path: str) -> str:
        """Absolute path of ``path`` under the base; refuses anything outside it.

        The returned path is normalised but keeps link names (a file's extension stays what the
        user wrote); the check runs on the fully resolved target, which is what the OS opens.
        """
        text = os.path.expanduser(str(path or "").strip())
        candidate = os.path.normpath(text if os.path.isabs(text) else os.path.join(self.base_path, text))
        real = os.path.realpath(candidate)
        if not _inside(real, self._real_base):
            raise self._escape(path, real)
        return candidate

    def glob(self, pattern: str) -> list[str]:
        """Sorted absolute file paths matching ``pattern`` (``*``, ``?``, ``[...]``, ``**``).

        A pattern without wildcards that names a folder returns that folder itself, so formats
        can treat a folder as one dataset (a Delta table, a partitioned parquet set).
        """
        text = str(pattern or "").strip()
        if not (set(text) & _MAGIC):
            target = self.resolve(text)
            if os.path.isdir(target) or os.path.isfile(target):
                return [target]
            return []
        # Refuse escaping patterns up front: a pattern such as ``../*`` must fail loudly even
        # when it happens to match nothing.
        if os.path.isabs(text):
            self._check_pattern_root(text, text)
            full = text
        else:
            if ".." in Path(text).parts:
                raise self._escape(pattern, os.path.normpath(os.path.join(self.base_path, text)))
            full = os.path.join(_glob.escape(str(self.base_path)), text)
        found: set[str] = set()
        for match in _glob.glob(full, recursive=True):
            if not os.path.isfile(match):
                continue
            real = os.path.realpath(match)
            if not _inside(real, self._real_base):
                raise self._escape(os.path.relpath(match, self.base_path), real)
            found.add(os.path.normpath(os.path.abspath(match)))
        return sorted(found)

    def _check_pattern_root(self, pattern: str, text: str) -> None:
        fixed = []
        for part in Path(text).parts:
            if set(part) & _MAGIC:
                break
            fixed.append(part)
        root = os.path.realpath(os.path.join(*fixed)) if fixed else os.sep
        if not _inside(root, self._real_base):
            raise self._escape(pattern, root)

    def _escape(self, path: str, real: str) -> ConnectionFailure:
        return ConnectionFailure(
            f"connection '{self.name}': path '{path}' resolves to '{real}', which is outside the "
            f"connection's base folder '{self.base_path}'. Use a path inside the base folder "
            f"(no '..', no absolute paths or links leading elsewhere), or change the connection's base_path."
        )

    # --- health ------------------------------------------------------------------------------
    def check(self) -> HealthResult:
        start = time.perf_counter()
        base = self.base_path
        if not base.exists():
            ok, detail = False, f"base folder '{base}' does not exist; create it or fix base_path"
        elif not base.is_dir():
            ok, detail = False, f"base path '{base}' is a file, not a folder"
        elif not os.access(base, os.W_OK | os.X_OK):
            ok, detail = False, f"base folder '{base}' is not writable by this user"
        else:
            ok, detail = True, f"base folder '{base}' exists and is writable"
        return HealthResult(ok=ok, detail=detail, latency_ms=(time.perf_counter() - start) * 1000)


def _inside(path: str, base: str) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(base)]) == os.path.abspath(base)
    except ValueError:  # different drives on Windows
        return False
