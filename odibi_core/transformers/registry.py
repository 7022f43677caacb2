"""Transformer registry and the ``@transform`` decorator.

Built-in transformers and user functions live in one registry. Each entry has a pydantic params
model (extra keys refused), so YAML ``params:`` are checked before anything runs, and the
Studio can draw a form from the model. A user function may declare its params model, or just
typed keyword arguments, from which a model is built::

    from odibi_core import transform

    @transform
    def add_tax(df, rate: float = 0.2):        # df: the current frame
        return df.assign(total=df.amount * (1 + rate))

    @transform(name="enrich", params=EnrichParams)
    def enrich(ctx, params):                   # ctx: TransformContext (engine, tables, sql)
        return ctx.sql("SELECT * FROM df JOIN lookup USING (id)")
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ValidationError, create_model

from odibi_core.config.models.base import StrictModel, suggest


class NoParams(StrictModel):
    """Params model of transformers that take none."""


@dataclass
class TransformerSpec:
    name: str
    fn: Callable[..., Any]
    params_model: type[StrictModel]
    description: str
    wants_context: bool  # fn(ctx, params) rather than fn(df, **params)
    builtin: bool = False
    kwargs_style: bool = False

    def validate_params(self, params: dict[str, Any]) -> StrictModel:
        return self.params_model.model_validate(params or {})

    def call(self, ctx: Any, params: StrictModel) -> Any:
        if self.kwargs_style:
            values = params.model_dump()
            return self.fn(ctx if self.wants_context else ctx.df, **values)
        return self.fn(ctx if self.wants_context else ctx.df, params)


TRANSFORMERS: dict[str, TransformerSpec] = {}


def _model_from_signature(fn: Callable, skip_first: bool) -> type[StrictModel]:
    try:  # resolve string annotations (``from __future__ import annotations`` in the user's module)
        sig = inspect.signature(fn, eval_str=True)
    except NameError:
        sig = inspect.signature(fn)
    fields: dict[str, Any] = {}
    for i, (pname, p) in enumerate(sig.parameters.items()):
        if i == 0 and skip_first:
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        ann = p.annotation if p.annotation is not inspect.Parameter.empty else Any
        default = p.default if p.default is not inspect.Parameter.empty else ...
        fields[pname] = (ann, default)
    return create_model(f"{fn.__name__}_params", __base__=StrictModel, **fields)


def _annotated_model(fn: Callable) -> type[BaseModel] | None:
    """The model of ``fn(df_or_ctx, params: MyParams)`` when no ``params=`` was given to the decorator."""
    try:
        ann = list(inspect.signature(fn, eval_str=True).parameters.values())[1].annotation
    except (NameError, IndexError):
        return None
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def transform(fn: Callable | None = None, *, name: str | None = None, params: type[StrictModel] | None = None,
              description: str | None = None, builtin: bool = False):
    """Register a function as a transformer usable from ``transformer:``, ``function:`` or ``operation:``."""

    def register(f: Callable) -> Callable:
        sig = list(inspect.signature(f).parameters)
        wants_context = bool(sig) and sig[0] in ("ctx", "context")
        kwargs_style = params is None and not (len(sig) == 2 and sig[1] == "params")
        model = params
        if model is None and not kwargs_style:
            model = _annotated_model(f)
        if model is None:
            model = NoParams if len(sig) <= 1 else (
                _model_from_signature(f, skip_first=True) if kwargs_style else NoParams)
        if not issubclass(model, StrictModel):  # a plain BaseModel: make unknown keys an error too
            model = type(model.__name__, (StrictModel, model), {"__doc__": model.__doc__})
        key = name or f.__name__
        TRANSFORMERS[key] = TransformerSpec(
            name=key, fn=f, params_model=model, description=(description or inspect.getdoc(f) or "").strip(),
            wants_context=wants_context, builtin=builtin, kwargs_style=kwargs_style,
        )
        return f

    return register(fn) if fn is not None else register


def get_transformer(name: str) -> TransformerSpec:
    load_builtins()
    spec = TRANSFORMERS.get(name)
    if spec is None:
        close = suggest(name, TRANSFORMERS)
        hint = f"did you mean '{close}'?" if close else "see `odibi list transformers`"
        raise KeyError(f"unknown transformer '{name}' ({hint})")
    return spec


def load_builtins() -> None:
    from odibi_core.transformers import builtin  # noqa: F401  (registers the starter set)


__all__ = ["TRANSFORMERS", "NoParams", "TransformerSpec", "ValidationError", "get_transformer", "load_builtins",
           "transform"]
