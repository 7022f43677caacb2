"""Base model: unknown keys are refused everywhere, with a "did you mean" hint."""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


def suggest(word: str, choices) -> str | None:
    """Closest known name to ``word``, or None when nothing is close."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_key_message(key: str, allowed) -> str:
    hint = suggest(key, allowed)
    msg = f"unknown key '{key}'"
    if hint:
        return msg + f" (did you mean '{hint}'?)"
    return msg + f" (allowed: {', '.join(sorted(allowed))})"


def key_error(key: str, message: str) -> PydanticCustomError:
    """Raise this from a model validator when the problem belongs to one key of the model.

    A plain ValueError is located at the whole block; this one is located at ``key``, so the
    user is sent to the line of (say) ``mode: upsert`` rather than the line of ``write:``.
    """
    return PydanticCustomError("at_key", "{msg}", {"msg": message, "key": key})


_NUMBER_KEYS: dict[type, frozenset[str]] = {}


def _number_keys(cls: type[BaseModel]) -> frozenset[str]:
    """Keys (names and aliases) of fields typed int/float (optionally None)."""
    if cls not in _NUMBER_KEYS:
        keys = set()
        for name, field in cls.model_fields.items():
            ann = field.annotation
            args = set(get_args(ann)) - {type(None)} if get_origin(ann) in (Union, types.UnionType) else {ann}
            if args and args <= {int, float}:
                keys.update(k for k in (name, field.alias) if k)
        _NUMBER_KEYS[cls] = frozenset(keys)
    return _NUMBER_KEYS[cls]


class StrictModel(BaseModel):
    """Every config model derives from this: extra keys are an error that names the key.

    The check runs before field validation so that a typo is reported as the typo (with a
    suggestion), not as a missing required field somewhere else.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=False)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = set()
            for name, field in cls.model_fields.items():
                allowed.add(name)
                if field.alias:
                    allowed.add(field.alias)
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key", "{msg}", {"msg": unknown_key_message(str(key), allowed), "key": key}
                    )
            for key in _number_keys(cls):
                # pydantic would quietly turn true/false into 1/0; YAML reads yes/no/on/off as booleans
                if isinstance(data.get(key), bool):
                    raise key_error(key, f"must be a number (got {str(data[key]).lower()}; YAML reads yes/no/on/off "
                                         "as true/false)")
        return data
