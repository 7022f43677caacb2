"""``identity_stitch``: resolve anonymous ids (a session or device id) to the known user id.

Events that carry both ids (a login or signup) link them. Each anonymous id maps to ONE known
id, chosen by a rule that does not depend on the engine or on the input order:

* the known id whose first linking event is earliest wins (by timestamp; a link without a
  timestamp sorts last), and on a tie the smallest known id wins;
* an anonymous id linked to more than one known id is a conflict: it still maps to the winner,
  the map row says how many known ids were seen (``candidate_count``), and the number of such
  anonymous ids goes to the story as the metric ``identity_conflicts``.

In the stitched events, the resolved id is the event's own known id when it has one, else the
map's known id for its anonymous id, else NULL. So anonymous events before the login are
back-filled, anonymous events after a logout with the same anonymous id are attributed to the
same person (an anonymous id stands for one device or session), and in a conflict the other
user's own logged-in events keep their own id; only the events without one go to the winner.

Written once as SQL (GROUP BY, ROW_NUMBER, a LEFT JOIN), which DuckDB and Spark both run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from odibi_core.config.models.base import StrictModel
from odibi_core.transformers.builtin._common import TransformError, lit, resolve_column, select_list
from odibi_core.transformers.builtin._sqltime import timestamp_expr
from odibi_core.transformers.context import TransformContext
from odibi_core.transformers.registry import transform

_MAP = "_odibi_identity_map"


class IdentityStitchParams(StrictModel):
    anonymous_id: str = Field(description="column with the anonymous id, e.g. session_id or device_id")
    known_id: str = Field(description="column with the known id, e.g. user_id (NULL on anonymous events)")
    timestamp: str = Field(description="event time column; decides which login came first")
    event_type_column: str | None = Field(
        default=None, description="column with the event type; when given, only events whose type is in "
                                  "login_types link ids. Without it, every event carrying both ids links them.")
    login_types: list[str] = Field(default_factory=lambda: ["login", "signup"], min_length=1,
                                   description="event types that link an anonymous id to a known id")
    output: Literal["events", "map"] = Field(
        default="events", description="events: every event plus the resolved id column; map: one row per "
                                      "anonymous id (anonymous id, known id, linked_at, candidate_count)")
    resolved_column: str = Field(default="resolved_id", min_length=1,
                                 description="name of the resolved id column added to the events")


def _map_sql(ctx: TransformContext, anon: str, known: str, ts_sql: str, link_filter: str) -> str:
    q = ctx.q
    return (
        f"SELECT {q('_odibi_anon')} AS {q(anon)}, {q('_odibi_known')} AS {q(known)}, "
        f"{q('_odibi_first')} AS {q('linked_at')}, {q('_odibi_candidates')} AS {q('candidate_count')} FROM ("
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY {q('_odibi_anon')} ORDER BY {q('_odibi_first')} ASC NULLS LAST, "
        f"{q('_odibi_known')} ASC) AS {q('_odibi_rn')}, "
        f"COUNT(*) OVER (PARTITION BY {q('_odibi_anon')}) AS {q('_odibi_candidates')} FROM ("
        f"SELECT {q(anon)} AS {q('_odibi_anon')}, {q(known)} AS {q('_odibi_known')}, MIN({ts_sql}) AS "
        f"{q('_odibi_first')} FROM df WHERE {q(anon)} IS NOT NULL AND {q(known)} IS NOT NULL{link_filter} "
        f"GROUP BY {q(anon)}, {q(known)}) AS {q('_odibi_links')}) AS {q('_odibi_ranked')} "
        f"WHERE {q('_odibi_rn')} = 1")


@transform(name="identity_stitch", params=IdentityStitchParams, builtin=True)
def identity_stitch(ctx: TransformContext, params: IdentityStitchParams):
    """Map anonymous ids to known ids from login events and back-fill the known id.

    Rule (see the module docstring): the first login wins (earliest timestamp, then smallest
    known id); conflicts are counted in the story metric ``identity_conflicts``. ``output:
    events`` adds ``resolved_column`` = own known id, else the mapped one; ``output: map`` gives
    the identity map itself (``<anonymous_id>``, ``<known_id>``, ``linked_at``,
    ``candidate_count``).

    ```yaml
    transformer: identity_stitch
    params:
      anonymous_id: session_id
      known_id: user_id
      timestamp: event_time
      event_type_column: event_type
      login_types: [login, signup]
      output: events                 # or map
    ```
    """
    schema = ctx.engine.schema(ctx.df)
    available = [c.name for c in schema]

    def col(name: str, param: str) -> str:
        return resolve_column(ctx, name, transformer="identity_stitch", param=param, available=available)

    anon, known = col(params.anonymous_id, "anonymous_id"), col(params.known_id, "known_id")
    ts = col(params.timestamp, "timestamp")
    ts_type = next(c.type for c in schema if c.name == ts)
    ts_sql = timestamp_expr(ctx, ts, ts_type, transformer="identity_stitch", param="timestamp")
    if anon == known:
        raise TransformError("identity_stitch: params.anonymous_id and params.known_id name the same column "
                             f"'{anon}'; they must be two different columns.")
    link_filter = ""
    if params.event_type_column is not None:
        et = col(params.event_type_column, "event_type_column")
        link_filter = f" AND {ctx.q(et)} IN ({', '.join(lit(ctx, t) for t in params.login_types)})"
    q = ctx.q
    if params.output == "events" and params.resolved_column.lower() in {c.lower() for c in available}:
        raise TransformError(f"identity_stitch: the output column '{params.resolved_column}' "
                             f"(params.resolved_column) already exists in the input; choose another name.")
    order = f" ORDER BY {q(anon)}" if params.output == "map" else ""
    identity_map = ctx.sql(_map_sql(ctx, anon, known, ts_sql, link_filter) + order)
    _record_metrics(ctx, identity_map)
    if params.output == "map":
        return identity_map
    return ctx.sql(
        f"SELECT {select_list(ctx, available, 'e')}, COALESCE(e.{q(known)}, m.{q(known)}) AS "
        f"{q(params.resolved_column)} FROM df AS e LEFT JOIN {q(_MAP)} AS m ON e.{q(anon)} = m.{q(anon)}",
        **{_MAP: identity_map})


def _record_metrics(ctx: TransformContext, identity_map) -> None:
    """Mapped anonymous ids and conflicts, for the story (one small query over the map)."""
    stats = ctx.engine.to_arrow(ctx.sql(
        f"SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN {ctx.q('candidate_count')} > 1 THEN 1 ELSE 0 END), 0) AS c "
        f"FROM {ctx.q(_MAP)}", **{_MAP: identity_map})).to_pylist()
    ctx.metrics["identity_mapped_ids"] = int(stats[0]["n"])
    ctx.metrics["identity_conflicts"] = int(stats[0]["c"])
