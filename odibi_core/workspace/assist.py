"""The Studio's Assist pages (Ask, Auto-Heal) as a few calls: what failed, fix it, ask a question.

Why a thin layer of its own: the pages must not open catalogs, build query scopes or load YAML
themselves, and every resource they need (a session, its engine, a catalog connection) has to be
closed again by whoever opened it. Each function here opens what it needs and closes it before
returning, except :class:`AskSession`, which exists precisely to be kept open (and cached by the
Studio) so a second question does not re-open the project and the outputs.

Nothing here decides policy: proposals come from :meth:`Session.heal` (a preview that writes
nothing), accepting and rejecting from :mod:`odibi_core.workspace.heal_review`, answers from
:func:`odibi_core.intel.query.answer.ask`. Viewing never creates files: without a run catalog the
overview is empty rather than a new ``catalog.db``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from odibi_core.catalog import RunCatalog
from odibi_core.catalog.heals import OPEN, HealLog
from odibi_core.catalog.latest import latest_node_runs
from odibi_core.errors import OdibiError
from odibi_core.intel.heal.targets import HealOutcome
from odibi_core.intel.query.answer import Answer, ask
from odibi_core.intel.query.export import (
    export_node,
    import_hint,
    node_name_for,
    write_export,
)
from odibi_core.intel.query.scope import QueryScope, build_scope
from odibi_core.session import Session
from odibi_core.workspace import heal_review
from odibi_core.workspace.heal_review import Accepted
from odibi_core.workspace.project import Workspace

HISTORY_LIMIT = 200
EXPORT_FOLDER = "pipelines"  # where "Export as pipeline" writes <name>.yaml, inside the project
_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


# --- auto-heal --------------------------------------------------------------------------------------
@dataclass
class HealOverview:
    """Everything the Auto-Heal page shows, read in one go.

    ``failed``: nodes whose latest recorded run failed, ``{node, pipeline, error, run_id,
    started_at, open_heals}``. ``open``: the newest undecided proposal per (node, location), heal
    log rows with ``rejected`` decoded to a list. ``history``: the whole log, newest first."""

    env: str | None
    production: bool
    auto_heal_enabled: bool
    auto_heal_mode: str
    has_catalog: bool
    failed: list[dict[str, Any]] = field(default_factory=list)
    open: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


def heal_overview(ws: Workspace, env: str | None, *, history_limit: int = HISTORY_LIMIT) -> HealOverview:
    """Failed nodes, open proposals and the heal history of the project in ``env``."""
    session = ws.session(env)
    try:
        cfg = session.config
        overview = HealOverview(env=session.loaded.env, production=cfg.is_production(session.loaded.env),
                                auto_heal_enabled=cfg.auto_heal.enabled, auto_heal_mode=cfg.auto_heal.mode,
                                has_catalog=(session.system_dir / "catalog.db").is_file())
        if not overview.has_catalog:
            return overview
        catalog = RunCatalog(session.system_dir)
        try:
            log = HealLog(catalog)
            overview.open = [_decoded(h) for h in log.open_proposals()]
            overview.history = [_decoded(h) for h in log.list(limit=history_limit)]
            open_by_node: dict[str, int] = {}
            for h in overview.open:
                open_by_node[h["node"]] = open_by_node.get(h["node"], 0) + 1
            latest = latest_node_runs(catalog, [(n, gn.pipeline) for n, gn in session.graph.nodes.items()])
            for name in session.graph.nodes:
                row = latest.get(name)
                if row and row["status"] == "failed":
                    overview.failed.append({"node": name, "pipeline": row["pipeline"], "error": row["error"],
                                            "run_id": row["run_id"], "started_at": row["started_at"],
                                            "open_heals": open_by_node.get(name, 0)})
        finally:
            catalog.close()
        return overview
    finally:
        session.close()


def propose_fixes(ws: Workspace, env: str | None, nodes: list[str] | None = None, *,
                  row_limit: int = 1000) -> HealOutcome:
    """Re-run ``nodes`` (default: every node whose latest run failed) as a preview with auto-heal
    in suggest mode: at most ``row_limit`` rows per read, nothing written, no run recorded; the
    proposals land in the heal log for a person to accept or reject."""
    session = ws.session(env)
    try:
        if not nodes and not (session.system_dir / "catalog.db").is_file():
            raise OdibiError(f"nothing has run in {ws.root} yet, so no node has failed; run the pipelines first "
                             "(the Run page or `odibi run`), or name the node to heal")
        return session.heal(list(nodes) if nodes else None, apply=False, row_limit=row_limit)
    finally:
        _close(session)


def accept_fix(ws: Workspace, env: str | None, heal_id: str, *, by: str = "Odibi Studio") -> Accepted:
    """Write heal ``heal_id``'s fix into the YAML (round-trip, comments kept) or its .sql file.
    Raises :class:`heal_review.HealConflict` / :class:`OdibiError` with the reason when it cannot."""
    return heal_review.accept(ws, heal_id, env, by=by)


def reject_fix(ws: Workspace, env: str | None, heal_id: str, *, by: str = "Odibi Studio",
               note: str | None = None) -> dict[str, Any]:
    """Drop heal ``heal_id``'s proposal; the project files are not touched."""
    return heal_review.reject(ws, heal_id, env, by=by, note=note or None)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    try:
        out["rejected"] = json.loads(row.get("rejected_json") or "[]") or []
    except (TypeError, ValueError):
        out["rejected"] = []
    out["open"] = row.get("status") in OPEN
    return out


def _close(session: Session) -> None:
    """Close the session and the catalog it may have opened (Session.close leaves the catalog)."""
    catalog = getattr(session, "_catalog", None)
    try:
        session.close()
    finally:
        if catalog is not None:
            catalog.close()


# --- natural-language questions ---------------------------------------------------------------------
class AskSession:
    """A project opened for questions: its session, catalog and query scope, kept until closed.

    Why an object: the scope's tables are opened through the session's engine and connections,
    so they must stay open while questions are asked. The Studio caches one per (project, env,
    project files, catalog) and closes it when the cache drops it."""

    def __init__(self, ws: Workspace, env: str | None) -> None:
        self.ws = ws
        self.session = ws.session(env)
        try:
            self.env = self.session.loaded.env
            self.llm = self.session.config.llm
            if not (self.session.system_dir / "catalog.db").is_file():
                self.scope = QueryScope(tables={})
            else:
                self.scope = build_scope(self.session.loaded, self.session.engine, self.session.catalog)
        except BaseException:
            _close(self.session)
            raise

    @property
    def engine_label(self) -> str:
        """Who may write the SQL: the offline parser, then the configured LLM if any."""
        if self.llm is None:
            return "offline semantic parser (no LLM configured)"
        return f"offline semantic parser, then the LLM '{self.llm.model}'"

    def ask(self, question: str, *, today: dt.date | None = None, max_rows: int = 1000,
            timeout_s: float = 30.0) -> Answer:
        """The answer (or, in ``Answer.error``, why there is none). Raises :class:`OdibiError`
        for an empty question or an empty scope (nothing has run yet)."""
        return ask(question, self.scope, llm=self.llm, today=today, max_rows=max_rows, timeout_s=timeout_s)

    def export(self, answer: Answer, name: str) -> Exported:
        """Write ``answer`` as pipeline ``name`` (one gold node) to ``pipelines/<name>.yaml``."""
        if not answer.ok or not answer.sql:
            raise OdibiError("only an answered question can be exported as a pipeline; ask one that returns rows")
        name = (name or "").strip()
        if not _NAME.match(name):
            raise OdibiError(f"'{name}' is not a valid pipeline name: use letters, digits and _, starting with a "
                             "letter or _ (e.g. ask_revenue_by_country)")
        text = export_node(answer.question, answer.sql, self.scope, name=name)
        dest = self.ws.inside(self.ws.root / EXPORT_FOLDER / f"{name}.yaml")
        path = write_export(self.ws.config_file, text, dest)
        return Exported(path=path, yaml=text, pipeline=name, import_line=import_hint(self.ws.config_file, path))

    def close(self) -> None:
        _close(self.session)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Exported:
    path: Path  # the file written
    yaml: str  # its text
    pipeline: str  # the pipeline (and node) name in it
    import_line: str  # what to add to the project file so it loads the export


def open_ask(ws: Workspace, env: str | None) -> AskSession:
    """An :class:`AskSession` for ``env``; the caller closes it."""
    return AskSession(ws, env)


def ask_question(ws: Workspace, env: str | None, question: str, *, today: dt.date | None = None,
                 max_rows: int = 1000, timeout_s: float = 30.0) -> Answer:
    """One question, answered with a session opened and closed for it."""
    with open_ask(ws, env) as s:
        return s.ask(question, today=today, max_rows=max_rows, timeout_s=timeout_s)


def default_export_name(question: str) -> str:
    """``ask_`` + the question's words: the name the export form starts with."""
    return node_name_for(question)


def export_answer(ws: Workspace, env: str | None, answer: Answer, name: str) -> Exported:
    """Write ``answer`` as a pipeline file (see :meth:`AskSession.export`); returns what was written."""
    with open_ask(ws, env) as s:
        return s.export(answer, name)
