"""Imports the project's ``transforms.py`` (beside the config) so its @transform functions register.

Errors in the user's module are reported with its file and line, like config errors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path

from odibi_core.errors import ConfigError, Location

_loaded: dict[Path, object] = {}


def load_user_transforms(project_root: Path) -> Path | None:
    path = (project_root / "transforms.py").resolve()
    if not path.is_file():
        return None
    if path in _loaded:
        return path
    name = "odibi_user_transforms_" + hashlib.sha1(str(path).encode()).hexdigest()[:10]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ConfigError(f"syntax error in transforms.py: {exc.msg}",
                          location=Location(str(path), exc.lineno or 1, exc.offset or 1)) from None
    except Exception as exc:  # noqa: BLE001 - any import failure of user code is a config problem
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path]
        line = frames[-1].lineno if frames else 1
        raise ConfigError(f"transforms.py failed to import: {type(exc).__name__}: {exc}",
                          location=Location(str(path), line or 1, 1)) from None
    _loaded[path] = module
    return path
