"""Environments of a project: are its connections alive, and how does each env overlay differ?

Why checks run in threads with a deadline: a database host behind a firewall can leave a driver
waiting for minutes. Every connection is checked at once (its own ``check()``: local folder
exists and is writable, SQL answers ``SELECT 1``, HTTP base URL answers) and any check still
waiting at the deadline is reported as timed out, so the page answers within ``timeout``
seconds whatever the network does. The threads are daemons: a stuck driver never holds the
process open.

Why the env matrix resolves whole projects: an overlay's meaning depends on the merge rules
(named lists merge by name, a connection whose ``type`` changes is replaced whole) and on
``${...}`` substitution. Loading each env with the real loader shows what a run would use.
Nothing secret is shown: values of credential-like keys are replaced, registered secrets
(``${ENV}`` values that landed under such keys) and URL passwords are masked inside any text.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from odibi_core import secrets
from odibi_core.config.loader import ENV_VAR, _apply_env, _with_imports, load_project
from odibi_core.config.locate import config_errors
from odibi_core.config.models import ConnectionConfig
from odibi_core.config.substitution import Substitutor
from odibi_core.connections.base import HealthResult
from odibi_core.connections.registry import create_connection
from odibi_core.errors import ConfigError, OdibiError
from odibi_core.workspace.project import Workspace

BASE = "(base)"  # column of the config without any overlay (no env name has parentheses)
_SECRET_KEY = re.compile(r"(password|passwd|pwd|secret|token|api_?key|access_key|account_key|private_key|"
                         r"credential|connection_string|conn_str|sas|authorization|cookie)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/:@\s]*:)(?P<pw>[^@/\s]+)(?=@)", re.IGNORECASE)


# --- connection health ----------------------------------------------------------------------------
@dataclass
class Check:
    """One connection's health: ``status`` is ok, failed, timeout or error (config did not build)."""

    name: str
    type: str
    status: str
    latency_ms: float | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check_connections(ws: Workspace, env: str | None, timeout: float = 5.0) -> list[Check]:
    """Check every connection of ``env`` in parallel; each gets at most ``timeout`` seconds.

    A connection whose config does not build (bad keys, a missing ``${VAR}``, an unsupported
    type) is a failed check with its error; the others are still checked. Raises
    :class:`ConfigError` only when the project file itself cannot be read."""
    configs = _connection_configs(ws, env)
    out: dict[str, Check] = {}
    running: list[tuple[str, str, threading.Thread, dict]] = []
    for name, (cfg, error) in configs.items():
        ctype = getattr(cfg, "type", None) or "?"
        if error is not None:
            out[name] = Check(name, ctype, "error", None, secrets.mask(error))
            continue
        try:
            conn = create_connection(name, cfg, ws.root)
        except OdibiError as exc:
            out[name] = Check(name, ctype, "error", None, secrets.mask(str(exc)))
            continue
        box: dict[str, HealthResult] = {}
        thread = threading.Thread(target=_check_one, args=(conn, box), name=f"check-{name}", daemon=True)
        thread.start()
        running.append((name, ctype, thread, box))
    deadline = time.monotonic() + timeout
    for name, ctype, thread, box in running:
        thread.join(max(0.0, deadline - time.monotonic()))
        result = box.get("result")
        if result is None:
            out[name] = Check(name, ctype, "timeout", timeout * 1000.0,
                              f"no answer within {timeout:g} s: the host may be down, unreachable (firewall, "
                              f"wrong host or port) or too slow; the check was abandoned")
        else:
            out[name] = Check(name, ctype, "ok" if result.ok else "failed", round(result.latency_ms, 1),
                              secrets.mask(result.detail))
    return [out[name] for name in configs]


def _check_one(conn, box: dict) -> None:
    try:
        box["result"] = conn.check()
    except Exception as exc:  # noqa: BLE001 - a check that raises is a failed check, never a crash
        box["result"] = HealthResult(False, f"{type(exc).__name__}: {exc}")
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a half-open connection may fail too
            pass


class _Connections(BaseModel):
    connections: dict[str, ConnectionConfig]


def _connection_configs(ws: Workspace, env: str | None) -> dict[str, tuple[Any, str | None]]:
    """``{name: (config, error)}``; when the project does not load, each connection is built alone.

    The fallback repeats the loader's steps (imports, overlay, substitution, validation) for one
    connection at a time, so a prod password variable that is not set fails only that
    connection's check instead of hiding every other one."""
    try:
        loaded = ws.load(env)
        return {name: (cfg, None) for name, cfg in loaded.config.connections.items()}
    except OdibiError as exc:  # one located error, or several at once
        first_error = exc
    try:
        data, smap = _with_imports(ws.config_file)
        if env:
            data = _apply_env(data, smap, env, ws.root)
    except OdibiError:
        raise first_error from None
    blocks = data.get("connections")
    if not isinstance(blocks, dict) or not blocks:
        raise first_error
    try:
        variables = Substitutor({}, smap).apply(data.get("vars") or {}, ("vars",))
    except ConfigError:
        variables = {}
    out: dict[str, tuple[Any, str | None]] = {}
    for name, block in blocks.items():
        ctype = block.get("type") if isinstance(block, dict) else None
        try:
            resolved = Substitutor(variables, smap).apply(block, ("connections", name))
            cfg = _Connections.model_validate({"connections": {name: resolved}}).connections[name]
            out[name] = (cfg, None)
        except ConfigError as err:
            out[name] = (_Stub(ctype), str(err))
        except ValidationError as err:
            located = config_errors(err, {"connections": {name: block}}, smap)
            out[name] = (_Stub(ctype), str(located))
    return out


@dataclass
class _Stub:
    type: str | None


# --- config across environments -------------------------------------------------------------------
@dataclass
class MatrixRow:
    key: str  # e.g. connections.lake.base_path, pipelines[bronze].nodes[raw_orders].write.path
    values: dict[str, str | None]  # column -> shown value (masked); None: not set in that env
    differs: bool
    secret: bool = False


@dataclass
class EnvMatrix:
    columns: list[str]  # "base", then each env
    rows: list[MatrixRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # column -> located error (masked)

    def differing(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.differs]


def env_matrix(ws: Workspace, envs: list[str] | None = None) -> EnvMatrix:
    """The resolved config of the base file and of each env overlay, key path by key path.

    An env that does not load shows its located error in ``errors`` (and has no values)."""
    envs = ws.environments() if envs is None else list(envs)
    columns = [BASE, *envs]
    environ = {k: v for k, v in os.environ.items() if k != ENV_VAR}  # the base column is the base
    flat: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    if not ws.exists:
        return EnvMatrix(columns, [], {c: f"no odibi.yaml in {ws.root}" for c in columns})
    for col in columns:
        try:
            loaded = load_project(ws.config_file, env=None if col == BASE else col, environ=environ)
        except OdibiError as exc:
            errors[col] = str(exc)
            continue
        data = {k: v for k, v in loaded.raw.items() if k != "environments"}  # overlays are the columns
        flat[col] = flatten(data)
    # mask only after every env is loaded: loading registers the secrets each env substitutes
    errors = {c: secrets.mask(e) for c, e in errors.items()}
    loaded_cols = [c for c in columns if c in flat]
    keys = list(dict.fromkeys(k for c in loaded_cols for k in flat[c]))
    rows = []
    for key in keys:
        raw = {c: flat[c].get(key, _MISSING) for c in loaded_cols}
        secret = is_secret_key(key)
        differs = len({_canon(v) for v in raw.values()}) > 1
        shown = {c: (None if c not in flat or raw[c] is _MISSING else show_value(raw[c], secret)) for c in columns}
        rows.append(MatrixRow(key, shown, differs, secret))
    return EnvMatrix(columns, rows, errors)


_MISSING = object()


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Key path -> scalar. Lists of named items (pipelines, nodes) are keyed by name, as overlays
    merge them; other lists of mappings by index; lists of scalars stay one value."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        if not data and prefix:
            out[prefix] = {}
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(data, list) and data and all(isinstance(i, dict) for i in data):
        name_key = next((k for k in ("pipeline", "name") if all(isinstance(i.get(k), str) for i in data)), None)
        for i, item in enumerate(data):
            label = item[name_key] if name_key else str(i)
            rest = {k: v for k, v in item.items() if k != name_key}  # the name is in the path already
            out.update(flatten(rest, f"{prefix}[{label}]") if rest else {f"{prefix}[{label}]": {}})
    else:
        out[prefix] = data
    return out


def is_secret_key(key_path: str) -> bool:
    """The last key of the path names a credential (``password``, ``token``, ``api_key``, ``*_key``...)."""
    last = re.split(r"[.\[\]]+", key_path.strip("]"))[-1]
    return bool(_SECRET_KEY.search(last) or secrets.is_secret_key(last) or last.lower() == "key"
                or last.lower().endswith("_key"))


def show_value(value: Any, secret: bool = False) -> str:
    """A value as text for the matrix: credentials replaced, registered secrets and URL passwords masked."""
    if secret and value not in (None, ""):
        return secrets.MASK
    if isinstance(value, str):
        text = value
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, dict)):
        text = _inline(secrets.mask_obj(value))
    else:
        text = str(value)
    return mask_text(text)


def mask_text(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group("head") + secrets.MASK, secrets.mask(text))


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return "null" if value is None else str(value)


def _canon(value: Any) -> str:
    return "\x00missing" if value is _MISSING else repr(value)
