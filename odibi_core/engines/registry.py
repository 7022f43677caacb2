"""Engine registry: ``engine:`` value -> class. Spark registers itself when its extra is installed."""

from __future__ import annotations

import importlib

from odibi_core.errors import ConfigError

ENGINES: dict[str, type] = {}
_MODULES = {"pandas": "odibi_core.engines.pandas_engine", "spark": "odibi_core.engines.spark.engine"}


def register_engine(cls):
    ENGINES[cls.name] = cls
    return cls


def engine_class(name: str):
    if name not in ENGINES and name in _MODULES:
        try:
            importlib.import_module(_MODULES[name])
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"engine '{name}' needs a package that is not installed ({exc.name})",
                hint="pip install 'odibi-studio[spark]'" if name == "spark" else None,
            ) from None
    if name not in ENGINES:
        raise ConfigError(f"unknown engine '{name}' (known: {', '.join(sorted(_MODULES))})")
    return ENGINES[name]
