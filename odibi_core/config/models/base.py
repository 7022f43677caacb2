"""Base model: unknown keys are refused everywhere, with a "did you mean" hint."""

from __future__ import annotations

import difflib
from typing import Any

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
        return data
