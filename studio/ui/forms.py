"""Streamlit widgets generated from pydantic models: transformer params, read/write blocks, tests.

Why generated: every transformer (built-in or the project's own ``@transform``) declares a
params model, and so does every validation test type. Drawing the form from the model keeps
the Builder in step with the code: a new param shows up with its type, default and description
(as help) without touching the Studio.

:func:`model_form` returns only the values the user set: a field left at its default is
omitted, unless the YAML already spelled it out (so opening a form never rewrites the file).
Types without a natural widget (nested models, unions, ``dict[str, Any]``) get a small YAML box.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import streamlit as st
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_EMPTY = (None, "", [], {})


def field_kind(annotation: Any) -> tuple[str, bool, tuple]:
    """(kind, optional, choices) of a field type; kind is bool/int/float/str/choice/list_str/dict_str/yaml."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        if set(args) == {int, float}:
            return "float", optional, ()
        if len(args) != 1:
            return "yaml", optional, ()
        annotation = args[0]
    if get_origin(annotation) is Literal:
        return "choice", optional, tuple(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", optional, tuple(m.value for m in annotation)
    if annotation in (bool, int, float, str):
        return annotation.__name__, optional, ()
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and args == (str,):
        return "list_str", optional, ()
    if origin is dict and args == (str, str):
        return "dict_str", optional, ()
    return "yaml", optional, ()


def _nested(annotation: Any) -> bool:
    """Whether a value of this type can be a mapping (it then gets a multi-line box)."""
    if annotation is Any:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if get_origin(annotation) is dict:
        return True
    return any(_nested(a) for a in get_args(annotation) if a is not type(None) and not isinstance(a, (str, int)))


def _default(info: FieldInfo) -> Any:
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    return value.model_dump() if isinstance(value, BaseModel) else value


def _yaml_text(value: Any) -> str:
    if value in _EMPTY:
        return ""
    return yaml.safe_dump(value, default_flow_style=None, sort_keys=False, allow_unicode=True, width=80).strip() \
        .removesuffix("\n...").removesuffix("...")


def model_form(model: type[BaseModel], values: dict | None, key: str, *, exclude: tuple[str, ...] = (),
               issues: dict[str, list[str]] | None = None, choices: dict[str, list] | None = None,
               on_change: Callable[..., None] | None = None, touch: str | None = None,
               advanced: tuple[str, ...] = ()) -> dict[str, Any]:
    """Draw one widget per field of ``model`` (keys ``{key}.{field}``); return the set values.

    ``issues`` (field -> messages) are shown under their field; ``choices`` (field -> options)
    turn a text field into a picker, e.g. connection names from the project's palette.
    ``on_change(name)`` is called when the user changes a field, with ``touch`` or the field's name.
    ``advanced`` fields are drawn last, folded in an expander ("More options")."""
    values = dict(values or {})
    issues = issues or {}
    choices = choices or {}
    out: dict[str, Any] = {}
    fields = [(n, i) for n, i in model.model_fields.items() if (i.alias or n) not in exclude and n not in exclude]
    main = [(n, i) for n, i in fields if (i.alias or n) not in advanced]
    more = [(n, i) for n, i in fields if (i.alias or n) in advanced]
    _fields(main, values, key, issues, choices, on_change, touch, out)
    if more:
        with st.expander("More options", expanded=any((i.alias or n) in values or (i.alias or n) in issues
                                                      for n, i in more)):
            _fields(more, values, key, issues, choices, on_change, touch, out)
    known = {i.alias or n for n, i in model.model_fields.items()} | set(model.model_fields)
    for extra in values:  # keys the model does not know stay as written; validation names them
        if extra not in known and extra not in exclude:
            out[extra] = values[extra]
    return out


def _fields(fields, values: dict, key: str, issues, choices, on_change, touch, out: dict) -> None:
    for name, info in fields:
        yaml_key = info.alias or name
        current = values.get(yaml_key, values.get(name))
        default = _default(info)
        callback = {"on_change": on_change, "args": (touch or yaml_key,)} if on_change else {}
        value, ok = field_widget(yaml_key, info, current if yaml_key in values or name in values else default,
                                 f"{key}.{yaml_key}", choices.get(yaml_key), **callback)
        if not ok:
            value = current  # unreadable input: keep what the file says until it is fixed
        for msg in issues.get(yaml_key, []):
            st.markdown(f":red[:material/error: {msg}]")
        if value in _EMPTY and not (isinstance(value, bool) or value == 0):
            continue
        if value == default and yaml_key not in values and name not in values:
            continue
        out[yaml_key] = value


def field_widget(label: str, info: FieldInfo, value: Any, key: str, options: list | None = None,
                 **callback: Any) -> tuple[Any, bool]:
    """One widget for one field; returns (value, readable). ``callback``: on_change/args of the widget."""
    kind, optional, choices = field_kind(info.annotation)
    shown = label.replace("_", " ").capitalize() + ("" if optional or not info.is_required() else " *")
    help_ = info.description
    if options is not None:
        kind, choices = "choice", tuple(options) + ((value,) if value not in (None, "") and value not in options else ())
    if kind == "bool":
        return st.checkbox(shown, value=bool(value), key=key, help=help_, **callback), True
    if kind in ("int", "float"):
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if kind == "int":
            got = st.number_input(shown, value=int(number) if number is not None else None, step=1, key=key,
                                  help=help_, **callback)
            return (int(got) if got is not None else None), True
        got = st.number_input(shown, value=float(number) if number is not None else None, key=key, help=help_,
                              format="%g", **callback)
        return (int(got) if got is not None and number is not None and isinstance(number, int)
                and float(got).is_integer() else got), True
    if kind == "str":
        got = st.text_input(shown, value="" if value is None else str(value), key=key, help=help_, **callback)
        return (got if got != "" else None), True
    if kind == "choice":
        opts = list(choices)
        if optional or not info.is_required():  # leaving it unset is a choice too
            opts = [None] + [o for o in opts if o is not None]
        index = opts.index(value) if value in opts else (0 if opts and opts[0] is None else None)
        blank = "(none)" if info.is_required() or _default(info) is None else f"(default: {_default(info)})"
        return st.selectbox(shown, opts, index=index, key=key, help=help_, placeholder="choose…",
                            format_func=lambda o: blank if o is None else str(o), **callback), True
    if kind == "list_str":
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else ("" if value is None else str(value))
        got = st.text_input(shown, value=text, key=key, help=(help_ or "") + " (comma-separated)", **callback)
        return [s.strip() for s in got.split(",") if s.strip()], True
    return yaml_widget(shown, value, key, help_, multiline=kind == "dict_str" or _nested(info.annotation), **callback)


def yaml_widget(label: str, value: Any, key: str, help_: str | None = None,
                multiline: bool = True, **callback: Any) -> tuple[Any, bool]:
    """A value typed as YAML (``{a: 1}``, ``[x, y]``, ``col DESC``); an unreadable one is reported."""
    text = _yaml_text(value)
    hint = (help_ + " — " if help_ else "") + "YAML, e.g. [a, b] or key: value"
    if multiline:
        got = st.text_area(label, value=text, key=key, help=hint, height=100, **callback)
    else:
        got = st.text_input(label, value=text, key=key, help=hint, **callback)
    if got.strip() == text.strip():
        return value, True
    if not got.strip():
        return None, True
    try:
        return yaml.safe_load(got), True
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        st.markdown(f":red[:material/error: not valid YAML{where}: {getattr(exc, 'problem', exc)}]")
        return value, False
