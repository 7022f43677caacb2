"""Error types users see.

Every error a user can act on carries where it came from (file, line, column, key path), so
the CLI can print one paragraph ``file:line:col: key.path: message`` and exit 2 without a
traceback. Programming errors stay ordinary exceptions and keep their traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


@dataclass(frozen=True)
class Location:
    """A place in a YAML file; line and col are 1-based, as editors show them."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class OdibiError(Exception):
    """Base of every error meant for the user (exit code 2 in the CLI)."""

    exit_code = 2


class ConfigError(OdibiError):
    """A problem in the project configuration, located in the YAML source."""

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        key_path: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.location = location
        self.key_path = key_path
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.key_path:
            parts.append(self.key_path)
        parts.append(self.message + (f" ({self.hint})" if self.hint else ""))
        # one error, one line: a line break inside a quoted user value (a key, a name) is shown escaped
        return ": ".join(parts).translate(_LINE_BREAKS)


class ConfigErrors(ConfigError):
    """Several configuration problems found in one pass, reported together."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, location=first.location, key_path=first.key_path, hint=first.hint)

    def render(self) -> str:  # noqa: D102 - see class docstring
        return "\n".join(e.render() for e in getattr(self, "errors", [])) or super().render()


class NodeExecutionError(OdibiError):
    """A node failed at run time; carries a suggestion for the story and the CLI."""

    scope = None  # the frames it had when it failed (runner.heal_hook.FailureScope), for auto-heal

    def __init__(self, node: str, message: str, *, suggestion: str | None = None, phase: str | None = None) -> None:
        self.node = node
        self.message = message
        self.suggestion = suggestion
        self.phase = phase
        text = f"node '{node}'" + (f" ({phase})" if phase else "") + f": {message}"
        if suggestion:
            text += f" Hint: {suggestion}"
        super().__init__(text)


class ConnectionFailure(OdibiError):
    """A connection could not be used (unreachable, refused, path escape...)."""


class ValidationFailure(OdibiError):
    """Data validation tests with ``on_fail: fail`` did not pass."""
