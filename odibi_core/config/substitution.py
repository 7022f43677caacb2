"""``${...}`` substitution: environment variables, project vars and relative dates.

Supported forms (``$${`` escapes a literal ``${``):
- ``${VAR}`` and ``${env:VAR}``: an environment variable; a missing one is an error naming it.
- ``${VAR:-default}`` and ``${env:VAR:-default}``: the variable, or ``default`` when it is unset or
  empty (the shell's rule), so a project can ship a working default (``${ODIBI_EATS_LANDING:-landing}``)
  that a user overrides without editing the file. ``${date:-7d}`` stays a relative date.
- ``${vars.name}`` (dotted for nested vars): a value from the project's ``vars:``.
- ``${date:-7d}``, ``${date:+1h:%Y%m%d}``, ``${date:today}``: a date relative to now (UTC), units
  m (minutes), h, d, w; the default format is ``%Y-%m-%d``.

Values that came from the environment are registered as secrets when they land under a key
that looks like a credential (password, token, ...) or when the variable's own name looks like
one (``${DB_PASSWORD}`` inside a URL); a whole ``${vars.x}`` under such a key is registered too.
Stories and logs then mask them. The ``environments:`` blocks are not substituted: the chosen one
is merged in before substitution, and the others must not need their own variables.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Callable

from odibi_core import secrets
from odibi_core.config.models.base import suggest
from odibi_core.config.yaml_source import KeyPath, SourceMap, render_key_path
from odibi_core.errors import ConfigError

_REF = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_DATE = re.compile(r"^date:(?:(today|now)|([+-]?\d+)([mhdw]))(?::(.+))?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Substitutor:
    def __init__(self, variables: dict[str, Any], smap: SourceMap, environ: dict[str, str] | None = None,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self.vars = variables
        self.smap = smap
        self.environ = os.environ if environ is None else environ
        self.now = now or (lambda: dt.datetime.now(dt.timezone.utc))

    def apply(self, data: Any, path: KeyPath = ()) -> Any:
        if isinstance(data, dict):
            # environments.* blocks are left as written: the chosen one is already merged in, and the others
            # must not demand their own variables (running dev must not need prod's secrets)
            return {k: v if path == () and k == "environments" else self.apply(v, path + (k,))
                    for k, v in data.items()}
        if isinstance(data, list):
            return [self.apply(v, path + (i,)) for i, v in enumerate(data)]
        if isinstance(data, str) and "$" in data:
            return self._string(data, path)
        return data

    def _string(self, text: str, path: KeyPath) -> Any:
        whole = _REF.fullmatch(text)
        if whole and whole.group(1) is not None:
            value = self._resolve(whole.group(1), path, typed=True)
            if isinstance(value, str) and path and isinstance(path[-1], str) and secrets.is_secret_key(path[-1]):
                secrets.register(value)  # password: ${vars.pw} is as secret as password: ${PW}
            return value
        from_env = []

        def repl(m: re.Match) -> str:
            if m.group(0) == "$${":
                return "${"
            value = self._resolve(m.group(1), path, typed=False)
            if m.group(1).startswith("env:") or _ENV_NAME.match(m.group(1).partition(":-")[0]):
                from_env.append(value)
            return str(value)

        out = _REF.sub(repl, text)
        if from_env and path and isinstance(path[-1], str) and secrets.is_secret_key(path[-1]):
            for value in from_env:
                secrets.register(value)
            secrets.register(out)
        return out

    def _resolve(self, expr: str, path: KeyPath, typed: bool) -> Any:
        expr = expr.strip()
        if expr.startswith("vars."):
            return self._var(expr[5:], path)
        if expr.startswith("date:"):
            return self._date(expr, path)
        name = expr[4:] if expr.startswith("env:") else expr
        name, sep, default = name.partition(":-")
        if not _ENV_NAME.match(name):
            self._fail(f"cannot understand '${{{expr}}}'", path,
                       "use ${VAR}, ${VAR:-default}, ${env:VAR}, ${vars.name} or ${date:-7d[:fmt]}")
        if sep and not self.environ.get(name):
            return default  # unset or empty: the default, as the shell does; not a secret (it is in the file)
        if name not in self.environ:
            self._fail(f"environment variable '{name}' is not set", path,
                       f"export {name}=... before running, or write ${{{name}:-default}} to give a default")
        value = self.environ[name]
        # a secret by where it lands (password: ${X}) or by its own name (${DB_PASSWORD} inside a url)
        if secrets.is_secret_key(name) or (path and isinstance(path[-1], str) and secrets.is_secret_key(path[-1])):
            secrets.register(value)
        return value

    def _var(self, dotted: str, path: KeyPath) -> Any:
        cur: Any = self.vars
        done = "vars"
        for part in dotted.split("."):
            if not isinstance(cur, dict) or part not in cur:
                known = sorted(str(k) for k in cur) if isinstance(cur, dict) else []
                close = suggest(part, known)
                hint = (f"did you mean '{done}.{close}'?" if close else f"known: {', '.join(known)}" if known
                        else "a var cannot use ${vars.*}" if path[:1] == ("vars",) else "define it under 'vars:'")
                self._fail(f"unknown variable 'vars.{dotted}'", path, hint)
            cur = cur[part]
            done += f".{part}"
        return cur

    def _date(self, expr: str, path: KeyPath) -> str:
        m = _DATE.match(expr)
        if not m:
            self._fail(f"cannot understand '${{{expr}}}'", path, "examples: ${date:-7d}, ${date:today:%Y%m%d}")
        word, amount, unit, fmt = m.groups()
        when = self.now()
        if amount is not None:
            try:
                when = when + dt.timedelta(**{_UNITS[unit]: int(amount)})
            except OverflowError:
                self._fail(f"'${{{expr}}}' is out of the range of dates", path, "use a smaller offset")
        fmt = fmt or ("%Y-%m-%dT%H:%M:%S" if word == "now" else "%Y-%m-%d")
        return when.strftime(fmt)

    def _fail(self, message: str, path: KeyPath, hint: str | None = None):
        raise ConfigError(message, location=self.smap.nearest(path), key_path=render_key_path(path), hint=hint)


def substitute(data: Any, smap: SourceMap, environ: dict[str, str] | None = None) -> Any:
    """Resolve vars first (they may use env and dates themselves), then everything else."""
    raw_vars = data.get("vars", {}) if isinstance(data, dict) else {}
    if not isinstance(raw_vars, dict):
        raw_vars = {}
    resolved_vars = Substitutor({}, smap, environ).apply(raw_vars, ("vars",))
    return Substitutor(resolved_vars, smap, environ).apply(data)
