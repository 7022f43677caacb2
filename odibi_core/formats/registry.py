"""Registry of formats: name -> instance."""

from __future__ import annotations

from odibi_core.formats.base import Format

FORMATS: dict[str, Format] = {}


def register_format(cls: type[Format]) -> type[Format]:
    FORMATS[cls.name] = cls()
    return cls


def get_format(name: str) -> Format:
    _load_builtins()
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown format '{name}' (known: {', '.join(sorted(FORMATS))})") from None


def _load_builtins() -> None:
    from odibi_core.formats import api, csv, delta, json, parquet, sql  # noqa: F401
